// Every migration of the audit schema, by timestamped name; names sort in the order they must run.
import type { Migration } from '@hookmesh/db';
import { auditLog20261124 } from './2026_11_24_0001_audit_log';
import { duplicateIngests20261202 } from './2026_12_02_0001_duplicate_ingests';
import { circuitOpenStatus20261202 } from './2026_12_02_0002_circuit_open_status';

export const auditMigrations: Record<string, Migration> = {
  '2026_11_24_0001_audit_log': auditLog20261124,
  '2026_12_02_0001_duplicate_ingests': duplicateIngests20261202,
  '2026_12_02_0002_circuit_open_status': circuitOpenStatus20261202,
};
