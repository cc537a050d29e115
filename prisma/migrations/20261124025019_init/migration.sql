-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'operator', 'admin');

-- CreateEnum
CREATE TYPE "AuditStatus" AS ENUM ('pending', 'succeeded', 'failed', 'denied');

-- CreateEnum
CREATE TYPE "HostKeyState" AS ENUM ('unknown', 'trusted', 'changed');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "passwordHash" TEXT,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastLoginAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "actorEmail" TEXT NOT NULL,
    "actorRole" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL DEFAULT '',
    "targetId" TEXT NOT NULL DEFAULT '',
    "params" JSONB NOT NULL DEFAULT '{}',
    "ip" TEXT NOT NULL DEFAULT '',
    "userAgent" TEXT NOT NULL DEFAULT '',
    "status" "AuditStatus" NOT NULL DEFAULT 'pending',
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "result" JSONB,
    "error" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "ipv4" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "country" TEXT NOT NULL DEFAULT '',
    "region" TEXT NOT NULL DEFAULT '',
    "ipv6" TEXT NOT NULL DEFAULT '',
    "ipType" TEXT NOT NULL DEFAULT 'unknown',
    "class" TEXT NOT NULL DEFAULT 'shared',
    "privateOwnerUserId" INTEGER,
    "centerId" INTEGER,
    "centerUpdatedAt" TIMESTAMP(3),
    "tunnels" JSONB NOT NULL DEFAULT '[]',
    "inCenter" BOOLEAN NOT NULL DEFAULT true,
    "firstSyncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSyncedAt" TIMESTAMP(3),
    "arch" TEXT,
    "archDetail" JSONB,
    "versionTag" TEXT,
    "sidecarHealth" TEXT,
    "lastSeenSshAt" TIMESTAMP(3),
    "lastSshError" TEXT,
    "hostKeyState" "HostKeyState" NOT NULL DEFAULT 'unknown',
    "sshUser" TEXT,
    "sshPort" INTEGER,
    "lastOperation" TEXT,
    "lastOperationAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("ipv4")
);

-- CreateTable
CREATE TABLE "HostKey" (
    "id" TEXT NOT NULL,
    "nodeIpv4" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'trusted',
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clearedBy" TEXT,
    "clearedAt" TIMESTAMP(3),

    CONSTRAINT "HostKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeLock" (
    "nodeIpv4" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "actorEmail" TEXT NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NodeLock_pkey" PRIMARY KEY ("nodeIpv4")
);

-- CreateTable
CREATE TABLE "VerificationRun" (
    "id" TEXT NOT NULL,
    "nodeIpv4" TEXT NOT NULL,
    "jobId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "status" TEXT NOT NULL,
    "failingChecks" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "error" TEXT,
    "durationMs" INTEGER,
    "checks" JSONB NOT NULL DEFAULT '[]',
    "triggeredBy" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "VerificationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "createdBy" TEXT NOT NULL,
    "auditId" TEXT,
    "params" JSONB NOT NULL DEFAULT '{}',
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "concurrency" INTEGER NOT NULL DEFAULT 16,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobItem" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "nodeIpv4" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "summary" TEXT,
    "error" TEXT,

    CONSTRAINT "JobItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedBy" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_actorEmail_at_idx" ON "AuditEvent"("actorEmail", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_targetId_at_idx" ON "AuditEvent"("targetId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_status_at_idx" ON "AuditEvent"("status", "at");

-- CreateIndex
CREATE INDEX "Node_name_idx" ON "Node"("name");

-- CreateIndex
CREATE INDEX "Node_country_idx" ON "Node"("country");

-- CreateIndex
CREATE INDEX "HostKey_nodeIpv4_status_idx" ON "HostKey"("nodeIpv4", "status");

-- CreateIndex
CREATE INDEX "VerificationRun_nodeIpv4_startedAt_idx" ON "VerificationRun"("nodeIpv4", "startedAt");

-- CreateIndex
CREATE INDEX "VerificationRun_jobId_idx" ON "VerificationRun"("jobId");

-- CreateIndex
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobItem_jobId_nodeIpv4_key" ON "JobItem"("jobId", "nodeIpv4");

-- AddForeignKey
ALTER TABLE "HostKey" ADD CONSTRAINT "HostKey_nodeIpv4_fkey" FOREIGN KEY ("nodeIpv4") REFERENCES "Node"("ipv4") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeLock" ADD CONSTRAINT "NodeLock_nodeIpv4_fkey" FOREIGN KEY ("nodeIpv4") REFERENCES "Node"("ipv4") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VerificationRun" ADD CONSTRAINT "VerificationRun_nodeIpv4_fkey" FOREIGN KEY ("nodeIpv4") REFERENCES "Node"("ipv4") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobItem" ADD CONSTRAINT "JobItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
