// Hub errors, named as in huggingface_hub so callers can tell them apart (`instanceof`).
// Each message names the model id and the file, and says what to do next.

/**
 * A hub download or lookup that failed (missing repo or file, gated, offline); the message says which and what to do (Python: huggingface_hub's `RepositoryNotFoundError`, `EntryNotFoundError`...).
 */
export class HubError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The repo does not exist, or it is private and the request had no (valid) token. */
export class RepositoryNotFoundError extends HubError {}

/** The repo is gated: access must be requested on its page, then a token sent. */
export class GatedRepoError extends HubError {}

/** The branch, tag or commit does not exist in the repo. */
export class RevisionNotFoundError extends HubError {}

/** The repo exists but has no such file (at that revision). */
export class EntryNotFoundError extends HubError {}

/** The file is not in the cache and the network may not (offline mode) or could not be used. */
export class LocalEntryNotFoundError extends HubError {}
