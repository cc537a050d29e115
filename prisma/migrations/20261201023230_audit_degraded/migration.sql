-- AlterEnum
ALTER TYPE "AuditStatus" ADD VALUE 'degraded';
