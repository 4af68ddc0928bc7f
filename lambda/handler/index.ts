// Pure building blocks of the envelope Lambda. Re-exports only.
export * from './config';
export * from './errors';
export * from './events';
export * from './logger';
export * from './audit';
