-- Hardware: the record as Tinkerbell's proto JSON, plus lookup tables the database keeps honest.
-- Every write takes a revision from one sequence, under a transaction-level advisory lock, so that
-- revisions commit in order and a change feed that reads "revision > n" never skips one.
CREATE SEQUENCE hardware_revision;

CREATE TABLE hardware (
  id          uuid PRIMARY KEY,
  data        jsonb NOT NULL,
  revision    bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX hardware_revision_idx ON hardware (revision);

-- One row per MAC of a live record: the primary key makes a MAC belong to one record at most.
CREATE TABLE hardware_mac (
  mac          text PRIMARY KEY CHECK (mac ~ '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'),
  hardware_id  uuid NOT NULL REFERENCES hardware (id) ON DELETE CASCADE
);
CREATE INDEX hardware_mac_hardware_idx ON hardware_mac (hardware_id);

CREATE TABLE hardware_ip (
  ip           inet NOT NULL,
  hardware_id  uuid NOT NULL REFERENCES hardware (id) ON DELETE CASCADE,
  PRIMARY KEY (ip, hardware_id)
);
CREATE INDEX hardware_ip_hardware_idx ON hardware_ip (hardware_id);

CREATE TABLE template (
  id          uuid PRIMARY KEY,
  name        varchar(200) NOT NULL CHECK (name ~ '^[a-zA-Z0-9_-]+$'),
  data        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX template_live_name_idx ON template (name) WHERE deleted_at IS NULL;

-- A workflow keeps the template as rendered at creation: later template edits do not change it.
-- state, current_index, current_state, next_worker and action_deadline are kept by the state
-- machine in the same transaction as the action row they summarise; next_worker is the worker
-- whose turn it is, action_deadline the timeout of the running action.
-- The columns that change on every transition are not indexed, and pages keep free space, so
-- that those updates are HOT (no index writes): the hot path is workflow + workflow_action.
CREATE TABLE workflow (
  id                 uuid PRIMARY KEY,
  template_id        uuid NOT NULL REFERENCES template (id),
  hardware           jsonb NOT NULL,
  data               text NOT NULL,
  state              smallint NOT NULL DEFAULT 0,
  started            boolean NOT NULL DEFAULT false,
  current_index      int NOT NULL DEFAULT 0,
  current_state      smallint NOT NULL DEFAULT 0,
  next_worker        text,
  total_actions      int NOT NULL CHECK (total_actions > 0),
  global_timeout_s   bigint NOT NULL DEFAULT 0,
  deadline           timestamptz,
  action_deadline    timestamptz,
  -- bumped by every transition: a transition applies only to the version it was decided on
  version            bigint NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz
) WITH (fillfactor = 50);
CREATE INDEX workflow_next_worker_idx ON workflow (next_worker) WHERE deleted_at IS NULL AND state IN (0, 1);
CREATE INDEX workflow_deadline_idx ON workflow (deadline) WHERE deleted_at IS NULL AND state IN (0, 1);

CREATE TABLE workflow_action (
  workflow_id   uuid NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
  idx           int NOT NULL,
  task_name     text NOT NULL,
  name          text NOT NULL,
  worker_id     text NOT NULL,
  image         text NOT NULL,
  timeout_s     bigint NOT NULL,
  command       jsonb NOT NULL DEFAULT '[]',
  on_timeout    jsonb NOT NULL DEFAULT '[]',
  on_failure    jsonb NOT NULL DEFAULT '[]',
  volumes       jsonb NOT NULL DEFAULT '[]',
  environment   jsonb NOT NULL DEFAULT '[]',
  pid           text NOT NULL DEFAULT '',
  retries       int NOT NULL DEFAULT 0 CHECK (retries >= 0),
  state         smallint NOT NULL DEFAULT 0,
  attempt       int NOT NULL DEFAULT 0,
  last_result   smallint,
  started_at    timestamptz,
  deadline      timestamptz,
  finished_at   timestamptz,
  seconds       bigint NOT NULL DEFAULT 0,
  message       text NOT NULL DEFAULT '',
  PRIMARY KEY (workflow_id, idx),
  UNIQUE (workflow_id, task_name, name)
) WITH (fillfactor = 70);

CREATE TABLE workflow_event (
  seq             bigserial PRIMARY KEY,
  workflow_id     uuid NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
  worker_id       text NOT NULL DEFAULT '',
  task_name       text NOT NULL,
  action_name     text NOT NULL,
  status          smallint NOT NULL,
  seconds         bigint NOT NULL DEFAULT 0,
  message         text NOT NULL DEFAULT '',
  attempt         int NOT NULL DEFAULT 1,
  workflow_state  smallint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX workflow_event_workflow_idx ON workflow_event (workflow_id, seq);

CREATE TABLE workflow_data (
  workflow_id  uuid NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
  version      int NOT NULL CHECK (version > 0),
  metadata     jsonb NOT NULL,
  data         bytea,
  sha256       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, version)
);
