-- AlterEnum
ALTER TYPE "HostKeyState" ADD VALUE 'new_key_type';
