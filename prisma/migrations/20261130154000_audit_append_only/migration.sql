-- The audit log is append-only at the database itself, whatever client writes
-- to it: a row is never deleted, and once its outcome is written (status no
-- longer 'pending') it never changes. While pending, only the outcome columns
-- may be filled in: who, what, where and when stay as first written.
-- A maintenance session (retention, tests) opts out explicitly with
--   SET LOCAL k2ops.audit_maintenance = 'on'

CREATE FUNCTION "audit_event_append_only"() RETURNS trigger AS $$
BEGIN
  IF current_setting('k2ops.audit_maintenance', true) = 'on' THEN
    RETURN COALESCE(NEW, OLD);
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit rows are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD."status" <> 'pending' THEN
    RAISE EXCEPTION 'a completed audit row is never changed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW."id" IS DISTINCT FROM OLD."id" OR NEW."requestId" IS DISTINCT FROM OLD."requestId" OR NEW."at" IS DISTINCT FROM OLD."at"
     OR NEW."actorId" IS DISTINCT FROM OLD."actorId" OR NEW."actorEmail" IS DISTINCT FROM OLD."actorEmail" OR NEW."actorRole" IS DISTINCT FROM OLD."actorRole"
     OR NEW."action" IS DISTINCT FROM OLD."action" OR NEW."targetType" IS DISTINCT FROM OLD."targetType" OR NEW."targetId" IS DISTINCT FROM OLD."targetId"
     OR NEW."params" IS DISTINCT FROM OLD."params" OR NEW."ip" IS DISTINCT FROM OLD."ip" OR NEW."userAgent" IS DISTINCT FROM OLD."userAgent" THEN
    RAISE EXCEPTION 'an audit intent is never rewritten: only its outcome is added' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "audit_event_append_only"();

-- TRUNCATE bypasses row triggers: refuse it too
CREATE FUNCTION "audit_event_no_truncate"() RETURNS trigger AS $$
BEGIN
  IF current_setting('k2ops.audit_maintenance', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'the audit log is never truncated' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_no_truncate"();
