/**
 * @bml/snf: similarity network fusion for multi-omics data. Distances and
 * affinity kernels (the SNF paper's, SNFtool's and snfpy's), sparse
 * cross-diffusion, GCN graphs with inductive attachment of new samples,
 * spectral clustering and label propagation. See README.md.
 */

export {
  applyStandardization,
  crossDistances,
  distanceMatrix,
  fitStandardization,
  METRICS,
  standardize,
  type DistanceMetric,
  type DistanceOptions,
  type Standardization,
} from './distance.js';
export {
  affinityFromDistances,
  affinityMatrices,
  affinityMatrix,
  DEFAULT_METRIC,
  KERNELS,
  logKernel,
  type AffinityOptions,
  type KernelName,
  type KernelSettings,
  type ViewAffinity,
} from './affinity.js';
export {
  fuseFeatures,
  fusionMemoryBytes,
  snf,
  type FuseFeaturesOptions,
  type FuseFeaturesResult,
  type NormalizationRule,
  type SnfOptions,
  type SnfProgress,
  type SnfResult,
  type SnfView,
} from './fuse.js';
export {
  availableMemoryBytes,
  MemoryLimitError,
  type MemoryLimitFacts,
  type MemoryLimitSource,
} from './memory.js';
export {
  alignAffinities,
  alignSamples,
  type AlignedSamples,
  type AlignOptions,
  type OmicsSamples,
} from './align.js';
export { TiledSymmetricMatrix, type SymmetricMatrix } from './symmetric.js';
export {
  attachToGraph,
  knnGraph,
  similarityGraph,
  mogonetGraph,
  type AttachToGraphOptions,
  type Graph,
  type GraphExtension,
  type GraphNormalization,
  type GraphOptions,
  type GraphSymmetrization,
  type MogonetGraph,
} from './graph.js';
export {
  attachSamples,
  fitFusion,
  type AttachOptions,
  type Attachment,
  type FitFusionOptions,
  type FittedOmics,
  type FusionModel,
} from './attach.js';
export { lanczosEigen, symmetricEigen, tridiagonalEigen, type EigenOptions, type EigenResult } from './eigen.js';
export {
  discretize,
  estimateNumberOfClusters,
  groupPredict,
  kMeans,
  labelPropagation,
  nmi,
  spectralClustering,
  type ClusterCountEstimate,
  type ClusterCountOptions,
  type Discretisation,
  type KMeansOptions,
  type KMeansResult,
  type LabelPropagationOptions,
  type LabelPropagationResult,
  type SpectralOptions,
} from './cluster.js';
export { wasmAvailable, type EngineChoice } from './engine/select.js';
export type { LargeKPolicy, WarningSink } from './validate.js';
