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
quorumkv.cluster.members: one "<pod>=http://<pod>.<headless>.<namespace>.svc.<domain>:<port>"
per replica. The pod name is the node id (QUORUMKV_NODEID comes from metadata.name).
*/}}
{{- define "quorumkv.members" -}}
{{- $fullname := include "quorumkv.fullname" . }}
{{- $headless := include "quorumkv.headlessServiceName" . }}
{{- $members := list }}
{{- range $i := until (int .Values.replicaCount) }}
{{- $pod := printf "%s-%d" $fullname $i }}
{{- $members = append $members (printf "%s=http://%s.%s.%s.svc.%s:%d" $pod $pod $headless $.Release.Namespace $.Values.clusterDomain (int $.Values.service.port)) }}
{{- end }}
{{- join "," $members }}
{{- end }}

{{/*
Quorum checks the node would otherwise fail at start-up in CrashLoopBackOff: fail the
install instead, with a message a person can act on. N is capped at the cluster size,
as the node caps it, so W and R must fit min(N, replicaCount).
*/}}
{{- define "quorumkv.validate" -}}
{{- if hasKey .Values.replication "false" }}
{{- fail "replication: write the key n as \"n\" (quoted): YAML 1.1, which Helm reads, takes a bare n for false" }}
{{- end }}
{{- $n := min (int .Values.replication.n) (int .Values.replicaCount) }}
{{- range $q := list "w" "r" }}
{{- $v := int (index $.Values.replication $q) }}
{{- if gt $v $n }}
{{- fail (printf "replication.%s (%d) must not exceed N, here min(replication.n=%d, replicaCount=%d) = %d" $q $v (int $.Values.replication.n) (int $.Values.replicaCount) $n) }}
{{- end }}
{{- end }}
{{- end }}
