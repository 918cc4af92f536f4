{{/*
Names. Every resource name comes from one of these helpers, so a release's
objects never collide with another release's and are easy to find.
*/}}

{{- define "tre.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tre.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tre.operator.fullname" -}}
{{- printf "%s-operator" (include "tre.fullname" . | trunc 54 | trimSuffix "-") -}}
{{- end -}}

{{- define "tre.airlock.fullname" -}}
{{- printf "%s-airlock" (include "tre.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "tre.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels. Call with a dict: (dict "root" $ "component" "operator").
*/}}
{{- define "tre.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tre.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tre.labels" -}}
{{ include "tre.selectorLabels" . }}
helm.sh/chart: {{ include "tre.chart" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tre-orchestrator
{{- end -}}

{{/*
Image reference: a digest pins the image; otherwise the tag, or the appVersion.
Call with (dict "image" .Values.image "root" $).
*/}}
{{- define "tre.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Hardening shared by every workload. Not configurable on purpose: each pod runs
as a non-root user, with no privilege escalation, every capability dropped, the
runtime's default seccomp profile and a read-only root filesystem.
*/}}
{{- define "tre.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tre.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Spread replicas of a component over nodes when the cluster has several.
Call with (dict "root" $ "component" "operator").
*/}}
{{- define "tre.antiAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "tre.selectorLabels" . | nindent 12 }}
{{- end -}}

{{/*
NetworkPolicy peers. Call with a peer from values ({cidrs, namespaceSelector,
podSelector, ports}); renders the items of a `to:` or `from:` list.
*/}}
{{- define "tre.networkPolicy.peers" -}}
{{- range .cidrs }}
- ipBlock:
    cidr: {{ . | quote }}
{{- end }}
{{- if or .namespaceSelector .podSelector }}
- {{- if .namespaceSelector }}
  namespaceSelector:
    matchLabels:
      {{- toYaml .namespaceSelector | nindent 6 }}
  {{- end }}
  {{- if .podSelector }}
  podSelector:
    matchLabels:
      {{- toYaml .podSelector | nindent 6 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
One egress rule to a peer on its TCP ports. Renders nothing for an empty peer.
*/}}
{{- define "tre.networkPolicy.egressRule" -}}
{{- if and (or .cidrs .namespaceSelector .podSelector) .ports }}
- to:
    {{- include "tre.networkPolicy.peers" . | nindent 4 }}
  ports:
    {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
Egress to the cluster DNS resolver, on UDP and TCP.
*/}}
{{- define "tre.networkPolicy.dnsRule" -}}
{{- with .Values.networkPolicy.dns }}
{{- if and (or .cidrs .namespaceSelector .podSelector) .ports }}
- to:
    {{- include "tre.networkPolicy.peers" . | nindent 4 }}
  ports:
    {{- range .ports }}
    - protocol: UDP
      port: {{ . }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
True ("true") when a peer names at least one source or destination.
*/}}
{{- define "tre.networkPolicy.hasPeer" -}}
{{- if or .cidrs .namespaceSelector .podSelector -}}true{{- end -}}
{{- end -}}
