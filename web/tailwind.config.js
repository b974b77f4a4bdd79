import daTheme from '@digital-go-jp/tailwind-theme-plugin';

/** The Digital Agency design system's tokens (colours, type scale, radii) as Tailwind's theme. */
export default {
  content: ['./index.html', './src/**/*.{ts,tsx}'],
  theme: { extend: {} },
  plugins: [daTheme],
};
