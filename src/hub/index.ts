export { cached_file } from "./resolve";
export type { PretrainedOptions } from "./resolve";
export { readSafetensors, writeSafetensors, parseSafetensors, serializeSafetensors } from "./safetensors";
export type { TensorData, SafetensorsFile } from "./safetensors";
export { readTorchBin, parseTorchBin } from "./torch_bin";
export { loadPickle, UnpicklingError } from "./pickle";
