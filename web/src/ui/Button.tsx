import type { ButtonHTMLAttributes } from 'react';

type Variant = 'primary' | 'secondary' | 'danger';

const styles: Record<Variant, string> = {
  primary: 'bg-blue-900 text-white hover:bg-blue-1000 disabled:bg-solid-gray-300',
  secondary:
    'border border-blue-900 bg-white text-blue-900 hover:bg-blue-50 disabled:border-solid-gray-300 disabled:text-solid-gray-420',
  danger: 'border border-red-900 bg-white text-red-900 hover:bg-red-50',
};

/** The design system's button: 44px touch target, clear focus ring, Japanese label. */
export function Button({
  variant = 'primary',
  className = '',
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      className={`min-h-11 whitespace-nowrap rounded-8 px-4 py-2 text-dns-16B-130 disabled:cursor-not-allowed ${styles[variant]} ${className}`}
      {...rest}
    />
  );
}
