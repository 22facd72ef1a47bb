// mistral-tokenizer-js ships no types; the adapter in test/helpers/paperTokenizers.ts narrows it.
declare module 'mistral-tokenizer-js' {
  const tokenizer: unknown;
  export default tokenizer;
}
