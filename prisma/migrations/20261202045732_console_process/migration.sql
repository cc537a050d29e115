-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "process" TEXT;

-- CreateTable
CREATE TABLE "ConsoleProcess" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeen" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsoleProcess_pkey" PRIMARY KEY ("id")
);

-- the writing process is part of the intent: never rewritten (audit_append_only)
CREATE OR REPLACE FUNCTION "audit_event_append_only"() RETURNS trigger AS $$
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
     OR NEW."params" IS DISTINCT FROM OLD."params" OR NEW."ip" IS DISTINCT FROM OLD."ip" OR NEW."userAgent" IS DISTINCT FROM OLD."userAgent"
     OR NEW."process" IS DISTINCT FROM OLD."process" THEN
    RAISE EXCEPTION 'an audit intent is never rewritten: only its outcome is added' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
