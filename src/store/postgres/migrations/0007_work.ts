// Work for workers: `ready` items and durable timers, keyed per execution. A claim is a
// lease (claimed_by, lease_until) plus a fencing token (`fence`, from the work_fence
// sequence, new at every claim). `available_at` is when the item can next be claimed
// (due_at, or the lease's end while claimed); `rank` is the claim order with aging:
// available_at - priority * agingMs (docs/operations.md "Priorities and aging").
export const sql = `CREATE TABLE work (
  execution_id text    NOT NULL,
  key          text    NOT NULL,
  kind         text    NOT NULL,
  due_at       bigint  NOT NULL,
  available_at bigint  NOT NULL,
  rank         bigint  NOT NULL,
  payload      text,
  priority     bigint  NOT NULL,
  claimed_by   text,
  lease_until  bigint,
  fence        bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, key)
)`;
