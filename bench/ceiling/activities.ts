export async function noop(step: number): Promise<number> {
  return step;
}
