import type { DatasetProfile } from "@/server/datasets/dataset-profile";

export interface DatasetVersionView {
  id: string;
  datasetId: string;
  version: number;
  format: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
  status: "processing" | "ready" | "failed";
  statusReason: string | null;
  rowCount: number | null;
  createdById: string | null;
  createdAt: string;
  processedAt: string | null;
}

export interface DatasetView {
  id: string;
  projectId: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  latest: DatasetVersionView | null;
  versionCount: number;
}

export interface DatasetVersionDetail extends DatasetVersionView {
  profile: DatasetProfile | null;
}

export interface VersionRow {
  id: string;
  datasetId: string;
  version: number;
  format: string;
  filename: string;
  sizeBytes: bigint;
  sha256: string;
  status: string;
  statusReason: string | null;
  rowCount: number | null;
  createdById: string | null;
  createdAt: Date;
  processedAt: Date | null;
}

export function toVersionView(row: VersionRow): DatasetVersionView {
  return {
    id: row.id,
    datasetId: row.datasetId,
    version: row.version,
    format: row.format,
    filename: row.filename,
    sizeBytes: Number(row.sizeBytes),
    sha256: row.sha256,
    status: row.status as DatasetVersionView["status"],
    statusReason: row.statusReason,
    rowCount: row.rowCount,
    createdById: row.createdById,
    createdAt: row.createdAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
  };
}

/** Version columns without the profile (which can be large). */
export const versionSelect = {
  id: true,
  datasetId: true,
  version: true,
  format: true,
  filename: true,
  sizeBytes: true,
  sha256: true,
  status: true,
  statusReason: true,
  rowCount: true,
  createdById: true,
  createdAt: true,
  processedAt: true,
} as const;
