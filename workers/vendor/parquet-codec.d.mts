// Types of the generated Parquet codec (scripts/build-parquet-codec.mjs): the two functions the export uses.
import type { ParquetCodec } from "../../src/jobs/export-parquet";

export declare const parquetWriteBuffer: ParquetCodec["parquetWriteBuffer"];
export declare const parquetReadObjects: ParquetCodec["parquetReadObjects"];
