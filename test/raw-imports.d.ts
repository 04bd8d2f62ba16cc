/** `import text from "./file?raw"`: Vite (and so the Workers test pool) inlines a file's text. */
declare module "*?raw" {
  const text: string;
  export default text;
}
