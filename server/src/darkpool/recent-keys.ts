/**
 * The trade keys of the last `size` to `2 x size` live prints, in two generations (the older one is
 * dropped whole when the newer one fills up): duplicates a feed sends again after a reconnect are caught
 * before they are announced, in memory bounded by `2 x size` keys.
 */
export class RecentKeys {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly size: number) {}

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: string): void {
    this.current.add(key);
    if (this.current.size >= this.size) {
      this.previous = this.current;
      this.current = new Set();
    }
  }
}
