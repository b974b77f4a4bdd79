/** A labelled form control: the label above it, tied to it by `id` (what screen readers read). */
export function Field({ id, label, small = false, className = '', children }: { id: string; label: React.ReactNode; small?: boolean; className?: string; children: React.ReactNode }) {
  return (
    <div className={`flex flex-col ${small ? 'text-dns-14N-130' : 'text-dns-16N-130'} ${className}`}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}
