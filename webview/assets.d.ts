// Stylesheets are imported for their side effect only: esbuild writes them next to the bundle.
declare module '*.css';
