/** First byte above static data: the host owns linear memory from here up. */
export function heap_base(): usize {
  return __heap_base;
}
