/** Download root of the UCSC Xena TCGA hub, the default `--base-url`. */
export const XENA_TCGA_DOWNLOAD_URL = 'https://tcga.xenahubs.net/download/';

/** Name of the TCGA breast cancer source, as given to `bml fetch`. */
export const XENA_BRCA_SOURCE = 'xena-brca';

/** One omics matrix of the cohort: a Xena genomic matrix, features as rows and samples as columns. */
export interface XenaOmicsDataset {
  /** Omics name, which is also the cohort file name (`<omics>.csv`). */
  omics: string;
  /** One line on what the values are, for the cohort README. */
  description: string;
  /** Candidate paths under the download root, gzipped, tried in order until one exists. */
  paths: readonly string[];
}

/** The omics of the xena-brca cohort, in the order they are downloaded. */
export const XENA_BRCA_OMICS: readonly XenaOmicsDataset[] = [
  {
    omics: 'mrna',
    description: 'RNA-seq gene expression (Illumina HiSeq), log2(RSEM normalized count + 1)',
    paths: ['TCGA.BRCA.sampleMap/HiSeqV2.gz'],
  },
  {
    omics: 'cnv',
    description: 'gene-level copy number estimated by GISTIC2 (all_data_by_genes, not thresholded)',
    paths: ['TCGA.BRCA.sampleMap/Gistic2_CopyNumber_Gistic2_all_data_by_genes.gz'],
  },
  {
    omics: 'rppa',
    description: 'reverse phase protein array, replicate-based normalization (RBN) where the hub has it',
    paths: ['TCGA.BRCA.sampleMap/RPPA_RBN.gz', 'TCGA.BRCA.sampleMap/RPPA.gz'],
  },
];

/**
 * Candidate paths of the phenotype table that contains the PAM50 calls. Xena
 * links clinical matrices both without and with `.gz`, so both are tried.
 */
export const XENA_BRCA_CLINICAL_PATHS: readonly string[] = [
  'TCGA.BRCA.sampleMap/BRCA_clinicalMatrix',
  'TCGA.BRCA.sampleMap/BRCA_clinicalMatrix.gz',
];

/** Column of the clinical matrix with the PAM50 subtype called from RNA-seq. */
export const PAM50_COLUMN = 'PAM50Call_RNAseq';

/** Column of the clinical matrix with the sample barcode; the first column when absent. */
export const CLINICAL_ID_COLUMN = 'sampleID';

/**
 * Class names written to labels.csv for each PAM50 call in the clinical
 * matrix, matching the names used by bml's other TCGA BRCA cohorts.
 */
export const PAM50_CLASS_NAMES: Readonly<Record<string, string>> = {
  LumA: 'Luminal A',
  LumB: 'Luminal B',
  Basal: 'Basal-like',
  Her2: 'HER2-enriched',
  Normal: 'Normal-like',
};

/** Class name of the Normal-like call, which the cohort leaves out unless asked to keep it. */
export const NORMAL_LIKE = 'Normal-like';

/** Two-digit TCGA sample type of a primary solid tumour. */
export const PRIMARY_TUMOUR_TYPE = '01';
