import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { exactTextColumn, timestampColumn } from '@/infra/database/column-types';

/** Longest idempotency key a caller may pass (a job id, or `<purpose>:<id>`). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/**
 * One mail the SMTP server accepted (or the log transport wrote), by the caller's
 * idempotency key: a retried job finds it and does not send again. The recipient is kept
 * as a SHA-256 of the lower-cased address, not the address: the row proves which mail went
 * out without keeping personal data beyond its account (an address can still be checked by
 * hashing it). `sent_at` is indexed for pruning old rows.
 */
@Entity('mail_deliveries')
export class MailDelivery {
  @PrimaryColumn({ name: 'idempotency_key', ...exactTextColumn(MAX_IDEMPOTENCY_KEY_LENGTH), nullable: false })
  idempotencyKey!: string;

  @Column({ name: 'recipient_hash', type: 'varchar', length: 64 })
  recipientHash!: string;

  @Index('IDX_mail_deliveries_sent_at')
  @Column({ name: 'sent_at', ...timestampColumn() })
  sentAt!: Date;
}
