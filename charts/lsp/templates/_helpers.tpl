{{/* Chart name, overridable. */}}
{{- define "lsp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-scoped name prefix of every namespaced object. Cluster-scoped objects add the namespace
(lsp.clusterComponentName): a release name is unique only within its namespace.
*/}}
{{- define "lsp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one component's objects: <fullname>-<component>. Call with (dict "root" $ "component" "router"). */}}
{{- define "lsp.componentName" -}}
{{- printf "%s-%s" (include "lsp.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of one component's cluster-scoped objects (ClusterRoles, their bindings, the admission policy):
<fullname>-<release namespace>-<component>, so the same release name installed in two namespaces
does not collide. Not cut to 63 characters: these names may be up to 253.
Call with (dict "root" $ "component" "operator").
*/}}
{{- define "lsp.clusterComponentName" -}}
{{- printf "%s-%s-%s" (include "lsp.fullname" .root) .root.Release.Namespace .component | trunc 253 | trimSuffix "-" }}
{{- end }}

{{/* Username the apiserver gives a component's ServiceAccount (RBAC subjects, admission policies). */}}
{{- define "lsp.serviceAccountUser" -}}
{{- printf "system:serviceaccount:%s:%s" .root.Release.Namespace (include "lsp.componentName" .) }}
{{- end }}

{{- define "lsp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of a release (Deployment selectors are immutable). */}}
{{- define "lsp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lsp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Labels of every object. Pod templates use lsp.selectorLabels plus version only, never the chart
version, so a chart upgrade that changes nothing in a component does not roll its pods.
*/}}
{{- define "lsp.labels" -}}
helm.sh/chart: {{ include "lsp.chart" .root }}
{{ include "lsp.selectorLabels" . }}
app.kubernetes.io/part-of: localstoreplatform
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Labels of cluster objects that are not a component (CRDs). */}}
{{- define "lsp.commonLabels" -}}
helm.sh/chart: {{ include "lsp.chart" . }}
app.kubernetes.io/name: {{ include "lsp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: localstoreplatform
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The tag of every LSP image unless a component overrides it. */}}
{{- define "lsp.defaultTag" -}}
{{- default .Chart.AppVersion .Values.images.tag }}
{{- end }}

{{/* <repository>:<tag> of a component. Call with (dict "root" $ "component" "router" "image" .Values.router.image). */}}
{{- define "lsp.image" -}}
{{- $repository := default (printf "%s/%s" .root.Values.images.registry .component) .image.repository }}
{{- $tag := default (include "lsp.defaultTag" .root) .image.tag }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/* Name of the Secret holding the values the chart generates (router signing key, OTP pepper, platform key). */}}
{{- define "lsp.generatedSecretName" -}}
{{- include "lsp.componentName" (dict "root" . "component" "generated") }}
{{- end }}

{{/*
A generated secret value that survives upgrades: read back from the live Secret when it exists
(lookup is empty under `helm template`, so a fresh value is generated there).
Call with (dict "root" $ "key" "router-signing-key").
*/}}
{{- define "lsp.generatedValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "lsp.generatedSecretName" .root) }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- randAlphaNum 48 | b64enc }}
{{- end }}
{{- end }}

{{/* secretKeyRef name/key of the router's master signing key (cells get keys derived from it). */}}
{{- define "lsp.routerSigningKeyRef" -}}
{{- if .Values.router.signingKey.existingSecret }}
name: {{ .Values.router.signingKey.existingSecret }}
key: {{ .Values.router.signingKey.key }}
{{- else }}
name: {{ include "lsp.generatedSecretName" . }}
key: router-signing-key
{{- end }}
{{- end }}

{{/*
The operator's two keys for one master during a rotation (docs/helm.md "Rotating the cell keys"):
env ROUTER_SIGNING_KEY / PLATFORM_KEY and, when rotating, *_PREVIOUS. With `next` set the cells
get the new key as theirs and keep accepting the one the router or sync still uses; with
`previous` set they keep accepting the replaced one after the switch.
dict: root, name (env name), key (the values block: existingSecret, key, next, previous), current (the ref of the key in use).
*/}}
{{- define "lsp.operatorKeyEnv" -}}
{{- $k := .key }}
{{- /* Missing under `helm upgrade --reuse-values` from a chart without them. */}}
{{- $next := $k.next | default dict }}
{{- $previous := $k.previous | default dict }}
{{- if and $next.existingSecret $previous.existingSecret }}
{{- fail (printf "%s: set next or previous, not both — next starts a rotation, previous ends one" .path) }}
{{- end }}
{{- if and (or $next.existingSecret $previous.existingSecret) (not $k.existingSecret) }}
{{- fail (printf "%s: a rotation needs the current key in a Secret of your own (%s.existingSecret): the generated one is dropped once existingSecret is set — copy it out of the generated Secret first (docs/helm.md, Rotating the cell keys)" .path .path) }}
{{- end }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      {{- if $next.existingSecret }}
      name: {{ $next.existingSecret }}
      key: {{ $next.key | default $k.key }}
      {{- else }}
      {{- .current | nindent 6 }}
      {{- end }}
{{- if or $next.existingSecret $previous.existingSecret }}
- name: {{ .name }}_PREVIOUS
  valueFrom:
    secretKeyRef:
      {{- if $next.existingSecret }}
      {{- .current | nindent 6 }}
      {{- else }}
      name: {{ $previous.existingSecret }}
      key: {{ $previous.key | default $k.key }}
      {{- end }}
{{- end }}
{{- end }}

{{/* secretKeyRef name/key of the platform key (the billing sync's master; cells get keys derived from it). */}}
{{- define "lsp.platformKeyRef" -}}
{{- if .Values.billingSync.platformKey.existingSecret }}
name: {{ .Values.billingSync.platformKey.existingSecret }}
key: {{ .Values.billingSync.platformKey.key }}
{{- else }}
name: {{ include "lsp.generatedSecretName" . }}
key: platform-key
{{- end }}
{{- end }}

{{/* DATABASE_URL of the control plane's database: the control plane, the billing sync and the billing jobs. */}}
{{- define "lsp.controlPlaneDatabaseUrlEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalPostgres.existingSecret }}
      key: {{ .Values.externalPostgres.controlPlaneUrlKey }}
{{- end }}

{{/* Image and command of a container running the billing CLI, which the control-plane image carries. */}}
{{- define "lsp.billingCli" -}}
image: {{ include "lsp.image" (dict "root" . "component" "control-plane" "image" .Values.controlPlane.image) }}
imagePullPolicy: {{ .Values.images.pullPolicy }}
command: [node, --enable-source-maps, control-plane/billing/cli.js]
{{- end }}

{{/*
securityContext of a component's pod and of its containers, from <component>.podSecurityContext and
.containerSecurityContext (hardened defaults in values.yaml: the images run as uid 10001, non-root,
read-only root filesystem, no capabilities, RuntimeDefault seccomp). Set a field to null to drop it,
e.g. runAsUser on OpenShift, whose restricted SCC assigns the uid.
Call with (dict "values" .Values.router) and an nindent.
*/}}
{{- define "lsp.podSecurityContext" -}}
securityContext:
{{- with .values.podSecurityContext }}
{{- toYaml . | nindent 2 }}
{{- else }} {}
{{- end }}
{{- end }}

{{- define "lsp.containerSecurityContext" -}}
securityContext:
{{- with .values.containerSecurityContext }}
{{- toYaml . | nindent 2 }}
{{- else }} {}
{{- end }}
{{- end }}

{{/* imagePullSecrets, nodeSelector, tolerations and affinity of a component's pods. Call with (dict "root" $ "values" .Values.router). */}}
{{- define "lsp.podScheduling" -}}
{{- with .root.Values.images.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Cross-field rules values.schema.json cannot say clearly. */}}
{{- define "lsp.validate" -}}
{{- if and (gt (int .Values.controlPlane.replicas) 1) (not .Values.controlPlane.signingKeys.existingSecret) }}
{{- fail "controlPlane.signingKeys.existingSecret is required when controlPlane.replicas > 1: replicas must share their access-token signing keys (create them with `control-plane keys rotate` and store them in a Secret)" }}
{{- end }}
{{- if and (not .Values.controlPlane.redis.url) (not .Values.controlPlane.redis.existingSecret) }}
{{- fail "controlPlane.redis: set url or existingSecret (the control plane needs Redis for OTP codes and rate limits)" }}
{{- end }}
{{- if and (gt (int .Values.operator.replicas) 1) (not .Values.operator.leaderElection.enabled) }}
{{- fail "operator.leaderElection.enabled must be true when operator.replicas > 1: two active operators would fight over every Tenant" }}
{{- end }}
{{- if and .Values.router.gateway.enabled (not .Values.router.gateway.parentRefs) }}
{{- fail "router.gateway.parentRefs must name at least one Gateway when router.gateway.enabled is true" }}
{{- end }}
{{- end }}
