// One callback: edit, enable/disable, rotate its secret (shown once), send a test event, delete.
import type { RotateSecretResponse } from '@hookmesh/contracts';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useCallbackDetail, useDeleteCallback, usePatchCallback, useRotateSecret, useSendTestEvent, type CallbackPatch, type ConsoleCallback } from '../api/hooks';
import { describeError } from '../api/problem';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Field } from '../components/field';
import { usePageTitle } from '../components/layout';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { LoadError, Loading } from '../components/query-state';
import { SecretReveal } from '../components/secret-reveal';
import { StatusBadge } from '../components/status-badge';
import { formErrorsFrom, type FormErrors } from '../lib/field-errors';
import { formatTime } from '../lib/format';
import { PROFILE_SUGGESTIONS } from './callbacks';
import { healthExplanation, healthLabel } from '../lib/health';

const FIELDS = ['url', 'token', 'profile'] as const;
type EditField = (typeof FIELDS)[number];

function EditCallbackForm({ callback }: { callback: ConsoleCallback }) {
  const patch = usePatchCallback(callback.id);
  const [url, setUrl] = useState(callback.url);
  const [token, setToken] = useState('');
  const [removeToken, setRemoveToken] = useState(false);
  const [profile, setProfile] = useState(callback.profile ?? '');
  const [errors, setErrors] = useState<FormErrors<EditField>>({ fields: {}, general: [] });
  const [saved, setSaved] = useState(false);
  const [newSecret, setNewSecret] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const changes: CallbackPatch = {};
    if (url.trim() !== callback.url) changes.url = url.trim();
    if (removeToken) changes.token = null;
    else if (token !== '') changes.token = token;
    if (callback.profile !== undefined && profile.trim() !== callback.profile) changes.profile = profile.trim();
    if (Object.keys(changes).length === 0) {
      setErrors({ fields: {}, general: ['Nothing to save: change the URL, the token or the profile first.'] });
      return;
    }
    patch.mutate(changes, {
      onSuccess: (answer) => {
        setErrors({ fields: {}, general: [] });
        setToken('');
        setRemoveToken(false);
        setSaved(true);
        setNewSecret(answer.secret ?? null);
      },
      onError: (error) => setErrors(formErrorsFrom(error, FIELDS)),
    });
  };

  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="edit-title">
      <h2 id="edit-title">Settings</h2>
      <ErrorNotice messages={errors.general} />
      {saved ? <StatusNotice>Saved.</StatusNotice> : null}
      {newSecret ? (
        <SecretReveal secret={newSecret} label="New signing secret">
          <p>The new profile signs with a secret of another format, so this callback has a new one; the previous secret no longer signs.</p>
        </SecretReveal>
      ) : null}
      <Field label="URL" error={errors.fields.url}>
        <input type="text" inputMode="url" value={url} onChange={(event) => setUrl(event.target.value)} autoComplete="off" />
      </Field>
      <Field label="Token" error={errors.fields.token} hint="Never shown again once set: type a new one to replace it, or leave it empty to keep it.">
        <input type="text" value={token} onChange={(event) => setToken(event.target.value)} disabled={removeToken} autoComplete="off" />
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={removeToken} onChange={(event) => setRemoveToken(event.target.checked)} /> Remove the token
      </label>
      {callback.profile !== undefined ? (
        <Field label="Profile" error={errors.fields.profile}>
          <input type="text" value={profile} onChange={(event) => setProfile(event.target.value)} list="profile-suggestions" autoComplete="off" />
        </Field>
      ) : null}
      <datalist id="profile-suggestions">
        {PROFILE_SUGGESTIONS.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <div className="actions">
        <button type="submit" className="primary" disabled={patch.isPending}>
          Save
        </button>
      </div>
    </form>
  );
}

function CallbackActions({ callback }: { callback: ConsoleCallback }) {
  const navigate = useNavigate();
  const toggle = usePatchCallback(callback.id);
  const rotate = useRotateSecret(callback.id);
  const test = useSendTestEvent(callback.id);
  const remove = useDeleteCallback(callback.id);
  const [rotated, setRotated] = useState<RotateSecretResponse | null>(null);
  const [confirming, setConfirming] = useState(false);
  const failures = [toggle, rotate, test, remove].filter((mutation) => mutation.isError).map((mutation) => describeError(mutation.error));
  const enabled = callback.status === 'active';

  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <ErrorNotice messages={failures} />
      {test.data ? (
        <StatusNotice>
          Test event sent (message {test.data.message_id}).{' '}
          <Link to={`/deliveries?callback_id=${encodeURIComponent(callback.id)}`}>See its delivery</Link>
        </StatusNotice>
      ) : null}
      <div className="actions">
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
          Send test event
        </button>
        <button type="button" onClick={() => rotate.mutate(undefined, { onSuccess: setRotated })} disabled={rotate.isPending}>
          Rotate secret
        </button>
        <button type="button" onClick={() => toggle.mutate({ status: enabled ? 'disabled' : 'active' })} disabled={toggle.isPending}>
          {enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
      </div>
      {rotated ? (
        <SecretReveal secret={rotated.secret} label="New signing secret">
          <p>
            {rotated.previous_secret_expires_at
              ? `The previous secret keeps signing alongside it until ${formatTime(rotated.previous_secret_expires_at)}, so your endpoint can switch without missing a delivery.`
              : 'The previous secret no longer signs.'}
          </p>
        </SecretReveal>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title="Delete this callback?"
        confirmLabel="Delete"
        busy={remove.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => navigate('/callbacks', { replace: true }),
            onSettled: () => setConfirming(false),
          })
        }
      >
        <p>
          Deliveries to <span className="url">{callback.url}</span> stop at once. This cannot be undone; its delivery log stays in the audit history.
        </p>
      </ConfirmDialog>
    </section>
  );
}

export function CallbackDetailPage() {
  const { id = '' } = useParams();
  const callback = useCallbackDetail(id);
  usePageTitle('Callback');
  if (callback.isPending) return <Loading what="the callback" />;
  if (callback.isError) return <LoadError error={callback.error} what="the callback" />;
  const data = callback.data;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/callbacks">Callbacks</Link>
      </p>
      <div className="page-head">
        <h1>
          Callback <span className="url">{data.url}</span>
        </h1>
      </div>
      <dl className="facts">
        <dt>ID</dt>
        <dd className="mono">{data.id}</dd>
        <dt>Message type</dt>
        <dd>{data.message_type}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={data.status} />
          {data.disabled_reason ? ` ${data.disabled_reason}` : null}
        </dd>
        {data.profile !== undefined ? (
          <>
            <dt>Profile</dt>
            <dd>{data.profile}</dd>
          </>
        ) : null}
        {data.signed === false ? (
          <>
            <dt>Signed</dt>
            <dd>No: deliveries carry no signature header</dd>
          </>
        ) : null}
        {data.retry_schedule ? (
          <>
            <dt>Retry schedule</dt>
            <dd className="mono">{data.retry_schedule}</dd>
          </>
        ) : null}
        {data.health !== undefined ? (
          <>
            <dt>Health</dt>
            <dd>
              {healthLabel(data)}
              {healthExplanation(data) && data.health !== 'disabled' ? <span className="muted"> {healthExplanation(data)}</span> : null}
            </dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{formatTime(data.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(data.updated_at)}</dd>
        <dt>Deliveries</dt>
        <dd>
          <Link to={`/deliveries?callback_id=${encodeURIComponent(data.id)}`}>Deliveries to this callback</Link>
        </dd>
      </dl>
      <CallbackActions callback={data} />
      <EditCallbackForm key={data.id} callback={data} />
    </>
  );
}
