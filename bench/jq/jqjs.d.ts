// Types for @michaelhomer/jqjs, which ships none: compile(text) gives a function from
// an input to a generator of outputs.
declare module '@michaelhomer/jqjs' {
  const jq: { compile(text: string): (input: unknown) => Iterable<unknown> };
  export default jq;
}
