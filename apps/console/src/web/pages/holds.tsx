// Holds: message types whose deliveries wait (not attempted, not lost) until released.
import type { CreateHoldRequest } from '@hookmesh/contracts';
import { useState, type FormEvent } from 'react';
import { useCreateHold, useEventTypes, useHolds, useReleaseHold } from '../api/hooks';
import { describeError } from '../api/problem';
import { Field } from '../components/field';
import { usePageTitle } from '../components/layout';
import { ErrorNotice } from '../components/notice';
import { LoadError, Loading } from '../components/query-state';
import { isoFromLocalInput } from '../lib/deliveries-query';
import { formErrorsFrom, type FormErrors } from '../lib/field-errors';
import { formatTime } from '../lib/format';

const FIELDS = ['message_type', 'reason', 'expires_at'] as const;
type HoldField = (typeof FIELDS)[number];

function CreateHoldForm() {
  const eventTypes = useEventTypes();
  const create = useCreateHold();
  const [messageType, setMessageType] = useState('');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('');
  const [errors, setErrors] = useState<FormErrors<HoldField>>({ fields: {}, general: [] });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const hold = { message_type: messageType } as CreateHoldRequest;
    if (reason.trim() !== '') hold.reason = reason.trim();
    const expiresAt = isoFromLocalInput(expires);
    if (expiresAt !== undefined) hold.expires_at = expiresAt;
    create.mutate(hold, {
      onSuccess: () => {
        setErrors({ fields: {}, general: [] });
        setMessageType('');
        setReason('');
        setExpires('');
      },
      onError: (error) => setErrors(formErrorsFrom(error, FIELDS)),
    });
  };

  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="new-hold-title">
      <h2 id="new-hold-title">New hold</h2>
      <p className="field-hint">Deliveries of the type wait until you release the hold or it expires; none is lost.</p>
      <ErrorNotice messages={errors.general} />
      <Field label="Message type" error={errors.fields.message_type}>
        <select value={messageType} onChange={(event) => setMessageType(event.target.value)}>
          <option value="">Choose a message type</option>
          {(eventTypes.data ?? []).map((type) => (
            <option key={type.message_type} value={type.message_type}>
              {type.message_type}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Reason" error={errors.fields.reason}>
        <input type="text" value={reason} onChange={(event) => setReason(event.target.value)} autoComplete="off" />
      </Field>
      <Field label="Expires" error={errors.fields.expires_at} hint="Optional: the hold ends by itself then.">
        <input type="datetime-local" value={expires} onChange={(event) => setExpires(event.target.value)} />
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Create
        </button>
      </div>
    </form>
  );
}

export function HoldsPage() {
  usePageTitle('Holds');
  const holds = useHolds();
  const release = useReleaseHold();
  return (
    <>
      <div className="page-head">
        <h1>Holds</h1>
      </div>
      <CreateHoldForm />
      {release.isError ? <ErrorNotice messages={[describeError(release.error)]} /> : null}
      {holds.isPending ? <Loading what="holds" /> : null}
      {holds.isError ? <LoadError error={holds.error} what="holds" /> : null}
      {holds.data && holds.data.length === 0 ? <p className="muted">No message type is held.</p> : null}
      {holds.data && holds.data.length > 0 ? (
        <table>
          <caption className="visually-hidden">Held message types</caption>
          <thead>
            <tr>
              <th scope="col">Message type</th>
              <th scope="col">Reason</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {holds.data.map((hold) => (
              <tr key={hold.message_type}>
                <td>{hold.message_type}</td>
                <td>{hold.reason ?? '—'}</td>
                <td>{formatTime(hold.created_at)}</td>
                <td>{hold.expires_at ? formatTime(hold.expires_at) : 'When released'}</td>
                <td>
                  <button type="button" onClick={() => release.mutate(hold.message_type)} disabled={release.isPending}>
                    Release
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
