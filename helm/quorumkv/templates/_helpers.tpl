{{/* Chart name, overridable. */}}
{{- define "quorumkv.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. Pod names are <fullname>-<ordinal> and double as node ids,
so it is kept short enough for "<fullname>-headless" to remain a valid DNS label.
*/}}
{{- define "quorumkv.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "quorumkv.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "quorumkv.labels" -}}
helm.sh/chart: {{ include "quorumkv.chart" . }}
{{ include "quorumkv.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: quorumkv
{{- end }}

{{/* Labels that select the node pods; immutable once installed. */}}
{{- define "quorumkv.selectorLabels" -}}
app.kubernetes.io/name: {{ include "quorumkv.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "quorumkv.headlessServiceName" -}}
{{- printf "%s-headless" (include "quorumkv.fullname" .) }}
{{- end }}

{{- define "quorumkv.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "quorumkv.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "quorumkv.secretName" -}}
{{- default (printf "%s-cluster" (include "quorumkv.fullname" .)) .Values.cluster.existingSecret }}
{{- end }}

{{- define "quorumkv.secretKey" -}}
{{- if .Values.cluster.existingSecret }}
{{- .Values.cluster.existingSecretKey }}
{{- else -}}
cluster-secret
{{- end }}
{{- end }}

{{- define "quorumkv.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Prometheus job label of the nodes' scrape target: what the shipped rules and dashboard filter on. */}}
{{- define "quorumkv.metricsJob" -}}
{{- default (include "quorumkv.fullname" .) .Values.metrics.job }}
{{- end }}

{{/*
quorumkv.cluster.members: one "<pod>=http://<pod>.<headless>.<namespace>.svc.<domain>:<port>" for
each of the first cluster.initialMembers pods. The pod name is the node id (QUORUMKV_NODEID comes
from metadata.name). At first start these form the topology at epoch 1; after that they are only
contact points, and members come and go through the admin API (pods beyond them join by
themselves, with auto-join). It does not depend on replicaCount, so scaling changes no pod template.
*/}}
{{- define "quorumkv.members" -}}
{{- $fullname := include "quorumkv.fullname" . }}
{{- $headless := include "quorumkv.headlessServiceName" . }}
{{- $members := list }}
{{- range $i := until (int .Values.cluster.initialMembers) }}
{{- $pod := printf "%s-%d" $fullname $i }}
{{- $members = append $members (printf "%s=http://%s.%s.%s.svc.%s:%d" $pod $pod $headless $.Release.Namespace $.Values.clusterDomain (int $.Values.service.port)) }}
{{- end }}
{{- join "," $members }}
{{- end }}

{{/*
Checks the node would otherwise fail at start-up in CrashLoopBackOff, or the cluster refuse
later: fail the install or upgrade instead, with a message a person can act on.
The member count now changes at run time, so N is no longer capped at replicaCount here:
- W and R must not exceed N (replication.n), as the node requires.
- cluster.initialMembers must be at least N: they form the first topology, and each partition
  needs N distinct owners among them.
- replicaCount must be at least N: the cluster refuses to decommission below N members
  (DELETE /admin/members answers 400), so say so before the scale-down hook tries.
- On install replicaCount must be at least initialMembers, or the first topology would name
  members whose pods never start. (Later a scale-down below it is fine: the members listed but
  gone are contact points that do not answer.)
*/}}
{{- define "quorumkv.validate" -}}
{{- if hasKey .Values.replication "false" }}
{{- fail "replication: write the key n as \"n\" (quoted): YAML 1.1, which Helm reads, takes a bare n for false" }}
{{- end }}
{{- $n := int .Values.replication.n }}
{{- range $q := list "w" "r" }}
{{- $v := int (index $.Values.replication $q) }}
{{- if gt $v $n }}
{{- fail (printf "replication.%s (%d) must not exceed replication.n (%d)" $q $v $n) }}
{{- end }}
{{- end }}
{{- $initial := int .Values.cluster.initialMembers }}
{{- if lt $initial $n }}
{{- fail (printf "cluster.initialMembers (%d) must be at least replication.n (%d): the first topology gives every partition N owners among them" $initial $n) }}
{{- end }}
{{- if lt (int .Values.replicaCount) $n }}
{{- fail (printf "replicaCount (%d) must be at least replication.n (%d): the cluster keeps N members to hold N replicas of every key" (int .Values.replicaCount) $n) }}
{{- end }}
{{- if and .Release.IsInstall (lt (int .Values.replicaCount) $initial) }}
{{- fail (printf "replicaCount (%d) must be at least cluster.initialMembers (%d) at install: the first topology names that many pods" (int .Values.replicaCount) $initial) }}
{{- end }}
{{- end }}

{{/* Base URL of the admin API through the client Service (the scale-down hook's target). */}}
{{- define "quorumkv.clientUrl" -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "quorumkv.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.service.port) }}
{{- end }}

{{/*
"true" when the scale-down hook should render: scaleDown.enabled, and not an upgrade known to keep
or raise the pod count. On `helm upgrade` lookup reads the live StatefulSet, so an upgrade that
does not scale down runs no hook (and cannot be held up by an unreachable cluster). Where there
is nothing to look up (`helm template`, an install, where a pre-upgrade hook does not run anyway)
the hook renders and its script decides from the topology.
*/}}
{{- define "quorumkv.scaleDownHook" -}}
{{- if .Values.scaleDown.enabled }}
{{- $scalingDown := true }}
{{- if .Release.IsUpgrade }}
{{- with (lookup "apps/v1" "StatefulSet" .Release.Namespace (include "quorumkv.fullname" .)) }}
{{- if le (int .spec.replicas) (int $.Values.replicaCount) }}
{{- $scalingDown = false }}
{{- end }}
{{- end }}
{{- end }}
{{- if $scalingDown }}true{{ end }}
{{- end }}
{{- end }}

{{/* Labels of the scale-down Job's pod: not the node selector labels, so no Service, PDB or
NetworkPolicy of the nodes counts it as a node; the client label lets it through the NetworkPolicy. */}}
{{- define "quorumkv.scaleDownPodLabels" -}}
helm.sh/chart: {{ include "quorumkv.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: scale-down
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: quorumkv
{{ include "quorumkv.fullname" . }}-client: "true"
{{- end }}
