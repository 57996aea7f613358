-- A machine's BMC, from metadata.bmc of its hardware record. The password is sealed (AES-256-GCM, bound to
-- the hardware id) with a key that never enters the database; the record's JSON is stored without it.
CREATE TABLE hardware_bmc (
  hardware_id           uuid PRIMARY KEY REFERENCES hardware (id) ON DELETE CASCADE,
  host                  text NOT NULL,
  username              text NOT NULL,
  vendor                text NOT NULL DEFAULT '',
  efi                   boolean NOT NULL DEFAULT false,
  netboot_on_workflow   boolean NOT NULL DEFAULT true,
  boot_disk_on_success  boolean NOT NULL DEFAULT true,
  password_sealed       bytea NOT NULL,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Set when the workflow was created by a tink-server that drives PBnJ: its machines are power-managed.
ALTER TABLE workflow ADD COLUMN bmc_managed boolean NOT NULL DEFAULT false;

-- What tink-server asks PBnJ to do, written in the same transaction as the change that calls for it, so a
-- crash between the two loses nothing. Replicas claim rows with SKIP LOCKED; a claim is a lease (attempts
-- numbers it, and every later write checks the number), and an expired lease makes the row due again.
-- steps_done and pbnj_task say how far it got: a step PBnJ accepted is followed by its task id, never
-- sent again, so a retried netboot does not cycle the machine twice.
CREATE TABLE bmc_operation (
  id           bigserial PRIMARY KEY,
  workflow_id  uuid NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
  hardware_id  uuid NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('netboot', 'boot_disk')),
  state        text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  attempts     int NOT NULL DEFAULT 0,
  steps_done   int NOT NULL DEFAULT 0,
  pbnj_task    text,
  not_before   timestamptz NOT NULL DEFAULT now(),
  lease_until  timestamptz,
  message      text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
-- the claim scans open operations in order, and checks that none older is open for the same machine
CREATE INDEX bmc_operation_open_idx ON bmc_operation (id) WHERE state IN ('pending', 'running');
CREATE INDEX bmc_operation_open_hardware_idx ON bmc_operation (hardware_id, id) WHERE state IN ('pending', 'running');

-- A managed workflow that succeeds asks for a boot from disk on each of its machines that wants one. A
-- trigger keeps this in the transaction of the report that ended the workflow, whichever path ended it.
-- A netboot of the workflow still waiting (PBnJ was down) is moot by then. The channel name is
-- ChangeNotifier.BMC.
CREATE FUNCTION bmc_boot_disk_on_success() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE bmc_operation SET state = 'cancelled', finished_at = now(),
    message = 'the workflow succeeded before its netboot ran'
  WHERE workflow_id = NEW.id AND kind = 'netboot' AND state = 'pending';
  INSERT INTO bmc_operation (workflow_id, hardware_id, kind)
  SELECT NEW.id, b.hardware_id, 'boot_disk' FROM hardware_bmc b
  WHERE b.boot_disk_on_success AND b.hardware_id IN (
    SELECT DISTINCT a.worker_id::uuid FROM workflow_action a
    WHERE a.workflow_id = NEW.id AND a.worker_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$');
  IF FOUND THEN
    PERFORM pg_notify('tink_bmc', NEW.id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER workflow_success_bmc AFTER UPDATE OF state ON workflow FOR EACH ROW
  WHEN (NEW.state = 4 AND OLD.state <> 4 AND NEW.bmc_managed)
  EXECUTE FUNCTION bmc_boot_disk_on_success();
