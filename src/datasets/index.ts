// bertlab's `datasets`: load_dataset, Dataset / DatasetDict (in memory, by column) and IterableDataset (streaming).
export { load_dataset, parse_split } from "./load";
export type { LoadDatasetOptions } from "./load";
export { Dataset, DatasetDict, concatenate_datasets } from "./dataset";
export type { MapOptions, FilterOptions, SplitOptions, Format } from "./dataset";
export { IterableDataset, IterableDatasetDict } from "./streaming";
export { features_repr, feature_repr, infer_feature } from "./features";
export type { Feature as DatasetFeature, Features, Row as DatasetRow, Cell, Columns } from "./features";
export { glob_files, resolve_data_files, split_of } from "./files";
export type { DataFiles } from "./files";
export { check_parquet_frame } from "./readers";
export { shipped_dataset_path, list_shipped_datasets } from "./shipped";
