/**
 * The devices this process has seen recorded in `auth.clients` (a bounded set, oldest out
 * first). Rows of `auth.clients` are never deleted, so a device found here is known for good:
 * a returning device's anonymous token then costs no database round trip. A device not found
 * here (another replica saw it, or it fell out) goes the way of a new one, where the INSERT's
 * conflict tells that it was known.
 */
export class KnownDevices {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(workspaceId: string, uuid: string): boolean {
    return this.seen.has(`${workspaceId}:${uuid}`);
  }

  /** Only once the row is committed. */
  add(workspaceId: string, uuid: string): void {
    const key = `${workspaceId}:${uuid}`;
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
