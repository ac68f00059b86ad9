export { architecture } from './architecture.js';
export type { AutoencoderArchitecture } from './architecture.js';
export { fitAutoencoder } from './train.js';
export { encode, reconstruct } from './inference.js';
export { disposeAutoencoder } from './model.js';
export type { AutoencoderModel, StoppedReason, TrainingHistory } from './model.js';
export { applyCodeScaling, fitCodeScaling, reduceOmics } from './reduce.js';
export type { CodeScaling, OmicsReduction } from './reduce.js';
export { deserialize, serialize, SERIALIZED_FORMAT, SERIALIZED_VERSION } from './serialize.js';
export type { SerializedAutoencoder, SerializedLayer } from './serialize.js';
export { DEFAULT_CODE_SIZE, TRAINING_DEFAULTS } from './options.js';
export type {
  ArchitectureOptions,
  AutoencoderOptions,
  AutoencoderProgress,
  FitAutoencoderOptions,
  ResolvedTrainingOptions,
} from './options.js';
export { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
export type { BatchNormParams, DenseLayer } from './layers.js';
