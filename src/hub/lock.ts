// The download lock: two processes never write the same blobs/<etag>.incomplete at once. Locks live in
// <cache>/.locks/models--org--name/ like huggingface_hub's (with their own names: Python's flock-based
// locks cannot be shared from Node). The lock itself (owner pid + start time, heartbeat mtime, takeover
// only when the owner is gone) is ../utils/lock.ts.
export { with_file_lock, type LockOptions } from "../utils/lock";
