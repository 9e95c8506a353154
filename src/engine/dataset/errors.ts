/** Thrown when a dataset cannot be used at all (missing folder, no classes, no readable image); the message is one clear sentence. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
