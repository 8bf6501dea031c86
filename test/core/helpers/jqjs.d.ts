declare module '@michaelhomer/jqjs' {
  export function compileNode(text: string): unknown;
}
