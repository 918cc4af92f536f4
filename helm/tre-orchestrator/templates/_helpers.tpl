{{/*
Names. Every resource name comes from one of these helpers, so a release's
objects never collide with another release's and are easy to find.
*/}}

{{- define "tre.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- /* The prefix of every resource name: the release name, unless overridden. */ -}}
{{- define "tre.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 54 | trimSuffix "-" -}}
{{- end -}}

{{- define "tre.operator.fullname" -}}
{{- printf "%s-operator" (include "tre.fullname" .) -}}
{{- end -}}

{{- define "tre.airlock.fullname" -}}
{{- printf "%s-airlock" (include "tre.fullname" .) -}}
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
NetworkPolicy peers of a peer from values ({cidrs, namespaceSelector,
podSelector, ports}), as a YAML list for a rule's `to:` or `from:`.
*/}}
{{- define "tre.networkPolicy.peers" -}}
{{- $peers := list -}}
{{- range .cidrs -}}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" .)) -}}
{{- end -}}
{{- if or .namespaceSelector .podSelector -}}
{{- $peer := dict -}}
{{- with .namespaceSelector -}}
{{- $_ := set $peer "namespaceSelector" (dict "matchLabels" .) -}}
{{- end -}}
{{- with .podSelector -}}
{{- $_ := set $peer "podSelector" (dict "matchLabels" .) -}}
{{- end -}}
{{- $peers = append $peers $peer -}}
{{- end -}}
{{- toYaml $peers -}}
{{- end -}}

{{/*
A component's egress rules, as a YAML list: DNS to the cluster resolver (UDP
and TCP), then one rule per named peer on its TCP ports, then `extra` rules.
Peers that name nothing render nothing: egress stays denied.
Call with (dict "root" $ "peers" (list ...) "extra" (list ...)).
*/}}
{{- define "tre.networkPolicy.egress" -}}
{{- $rules := list -}}
{{- with .root.Values.networkPolicy.dns -}}
{{- if and (include "tre.networkPolicy.hasPeer" .) .ports -}}
{{- $ports := list -}}
{{- range .ports -}}
{{- $ports = append (append $ports (dict "protocol" "UDP" "port" .)) (dict "protocol" "TCP" "port" .) -}}
{{- end -}}
{{- $rules = append $rules (dict "to" (include "tre.networkPolicy.peers" . | fromYamlArray) "ports" $ports) -}}
{{- end -}}
{{- end -}}
{{- range .peers -}}
{{- if and (include "tre.networkPolicy.hasPeer" .) .ports -}}
{{- $ports := list -}}
{{- range .ports -}}
{{- $ports = append $ports (dict "protocol" "TCP" "port" .) -}}
{{- end -}}
{{- $rules = append $rules (dict "to" (include "tre.networkPolicy.peers" . | fromYamlArray) "ports" $ports) -}}
{{- end -}}
{{- end -}}
{{- $rules = concat $rules (.extra | default list) -}}
{{- toYaml $rules -}}
{{- end -}}

{{/*
A component's ingress rules, as a YAML list: each source peer that names
something may reach the named container port. Call with
(dict "peers" (list ...) "port" "http" "extra" (list ...)).
*/}}
{{- define "tre.networkPolicy.ingress" -}}
{{- $rules := .extra | default list -}}
{{- $port := .port -}}
{{- range .peers -}}
{{- if include "tre.networkPolicy.hasPeer" . -}}
{{- $rules = append $rules (dict "from" (include "tre.networkPolicy.peers" . | fromYamlArray) "ports" (list (dict "protocol" "TCP" "port" $port))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}

{{/*
True ("true") when a peer names at least one source or destination.
*/}}
{{- define "tre.networkPolicy.hasPeer" -}}
{{- if or .cidrs .namespaceSelector .podSelector -}}true{{- end -}}
{{- end -}}
