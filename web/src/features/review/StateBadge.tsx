import { ENTRY_STATE_LABEL, type EntryState } from './states';

const STYLE: Record<EntryState, string> = {
  missing: 'border-solid-gray-600 text-solid-gray-800',
  draft: 'border-blue-900 text-blue-1000',
  submitted: 'border-green-900 bg-green-50 text-green-1100',
  returned: 'border-orange-800 bg-orange-50 text-orange-1100',
  approved: 'border-green-1000 bg-green-100 text-green-1200',
};

export function StateBadge({ state }: { state: EntryState }) {
  return (
    <span className={`inline-block rounded-full border px-3 py-1 text-dns-14B-130 ${STYLE[state]}`} data-state={state}>
      {ENTRY_STATE_LABEL[state]}
    </span>
  );
}
