// Callbacks: the account's endpoints, and a form to register one (the API's errors show at their field).
import type { CallbackWithSecret } from '@hookmesh/contracts';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useCallbacks, useCreateCallback, useEventTypes, type ConsoleCallback, type NewCallback } from '../api/hooks';
import { Field } from '../components/field';
import { usePageTitle } from '../components/layout';
import { ErrorNotice } from '../components/notice';
import { LoadError, Loading } from '../components/query-state';
import { SecretReveal } from '../components/secret-reveal';
import { StatusBadge } from '../components/status-badge';
import { formErrorsFrom, type FormErrors } from '../lib/field-errors';
import { formatTime } from '../lib/format';
import { healthExplanation, healthLabel } from '../lib/health';

const FIELDS = ['url', 'message_type', 'token', 'profile'] as const;
type CallbackField = (typeof FIELDS)[number];
/** Built-in wire profiles, offered as suggestions; the service names the ones it knows. */
export const PROFILE_SUGGESTIONS = ['standard', 'masonhub', 'moduslink', 'malomo'];


function CreateCallbackForm({ onCreated, onCancel }: { onCreated: (callback: CallbackWithSecret) => void; onCancel: () => void }) {
  const eventTypes = useEventTypes();
  const create = useCreateCallback();
  const [values, setValues] = useState({ url: '', message_type: '', token: '', profile: '' });
  const [errors, setErrors] = useState<FormErrors<CallbackField>>({ fields: {}, general: [] });
  const set = (field: keyof typeof values) => (event: { target: { value: string } }) => setValues((current) => ({ ...current, [field]: event.target.value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: NewCallback = { url: values.url.trim(), message_type: values.message_type };
    if (values.token !== '') input.token = values.token;
    if (values.profile.trim() !== '') input.profile = values.profile.trim();
    create.mutate(input, {
      onSuccess: (callback) => onCreated(callback as CallbackWithSecret),
      onError: (error) => setErrors(formErrorsFrom(error, FIELDS)),
    });
  };

  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="new-callback-title">
      <h2 id="new-callback-title">New callback</h2>
      <ErrorNotice messages={errors.general} />
      <Field label="URL" error={errors.fields.url} hint="The HTTPS endpoint that receives the deliveries.">
        <input type="text" inputMode="url" value={values.url} onChange={set('url')} autoComplete="off" placeholder="https://example.com/webhooks/hookmesh" />
      </Field>
      <Field label="Message type" error={errors.fields.message_type}>
        <select value={values.message_type} onChange={set('message_type')}>
          <option value="">Choose a message type</option>
          {(eventTypes.data ?? []).map((type) => (
            <option key={type.message_type} value={type.message_type}>
              {type.message_type}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Token" error={errors.fields.token} hint="Optional: sent back in every delivery's body so your endpoint can tell it is yours.">
        <input type="text" value={values.token} onChange={set('token')} autoComplete="off" />
      </Field>
      <Field label="Profile" error={errors.fields.profile} hint="Optional: the wire profile your endpoint expects (standard when empty).">
        <input type="text" value={values.profile} onChange={set('profile')} list="profile-suggestions" autoComplete="off" />
      </Field>
      <datalist id="profile-suggestions">
        {PROFILE_SUGGESTIONS.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Create
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function CallbacksPage() {
  usePageTitle('Callbacks');
  const callbacks = useCallbacks();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CallbackWithSecret | null>(null);
  const rows: ConsoleCallback[] = callbacks.data ?? [];
  const showProfile = rows.some((callback) => callback.profile !== undefined);
  const showHealth = rows.some((callback) => callback.health !== undefined);

  return (
    <>
      <div className="page-head">
        <h1>Callbacks</h1>
        {creating ? null : (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            New callback
          </button>
        )}
      </div>
      {creating ? (
        <CreateCallbackForm
          onCreated={(callback) => {
            setCreating(false);
            setCreated(callback);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {created ? (
        <SecretReveal secret={created.secret}>
          <p>
            Created <Link to={`/callbacks/${encodeURIComponent(created.id)}`}>{created.url}</Link> for {created.message_type}.{' '}
            <button type="button" className="link-button" onClick={() => setCreated(null)}>
              I have stored the secret
            </button>
          </p>
        </SecretReveal>
      ) : null}
      {callbacks.isPending ? <Loading what="callbacks" /> : null}
      {callbacks.isError ? <LoadError error={callbacks.error} what="callbacks" /> : null}
      {callbacks.data && rows.length === 0 ? <p className="muted">No callbacks yet. Register your endpoint with New callback.</p> : null}
      {rows.length > 0 ? (
        <table>
          <caption className="visually-hidden">Callbacks of this account</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Message type</th>
              <th scope="col">Status</th>
              {showProfile ? <th scope="col">Profile</th> : null}
              {showHealth ? <th scope="col">Health</th> : null}
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((callback) => (
              <tr key={callback.id}>
                <td className="url">
                  <Link to={`/callbacks/${encodeURIComponent(callback.id)}`}>{callback.url}</Link>
                </td>
                <td>{callback.message_type}</td>
                <td>
                  <StatusBadge status={callback.status} />
                </td>
                {showProfile ? <td>{callback.profile ?? '—'}</td> : null}
                {showHealth ? (
                  <td title={healthExplanation(callback) || undefined}>
                    {callback.health === undefined ? '—' : <span className={`badge badge-${callback.health}`}>{healthLabel(callback)}</span>}
                  </td>
                ) : null}
                <td>{formatTime(callback.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
