import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** TypeScript in components is stripped by Vite's preprocessor; runes mode everywhere (Svelte 5). */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
