{{/*
Render-time checks for what the values schema cannot say. Every problem found
is reported at once, each on its own line with what to do, and the render
fails: nothing is installed from a dangerous or incomplete configuration.
*/}}
{{- define "tre.validate" -}}
{{- $errors := list -}}
{{- $v := .Values -}}

{{- /* Export approvals: an airlock that releases without review is no airlock. */ -}}
{{- if lt (int $v.airlock.requiredApprovals) 1 -}}
{{- $errors = append $errors (printf "airlock.requiredApprovals is %d: every export must be approved by at least one independent reviewer (2 is recommended). Set airlock.requiredApprovals to 1 or more." (int $v.airlock.requiredApprovals)) -}}
{{- end -}}

{{- /* Secrets the chart reads but never creates. */ -}}
{{- range $key, $value := dict "airlock.database.existingSecret" $v.airlock.database.existingSecret "airlock.objectStorage.existingSecret" $v.airlock.objectStorage.existingSecret "airlock.vaultToken.existingSecret" $v.airlock.vaultToken.existingSecret "operator.objectStorage.existingSecret" $v.operator.objectStorage.existingSecret "operator.vaultToken.existingSecret" $v.operator.vaultToken.existingSecret -}}
{{- if not $value -}}
{{- $errors = append $errors (printf "%s is empty: create a Secret in namespace %s with the credentials and set %s to its name." $key $.Release.Namespace $key) -}}
{{- end -}}
{{- end -}}

{{- /* Endpoints: required, and never plain HTTP unless explicitly allowed. */ -}}
{{- $endpoints := list
  (dict "key" "objectStorage.endpoint" "url" $v.objectStorage.endpoint "allowHttp" $v.objectStorage.insecureAllowHttp "allowKey" "objectStorage.insecureAllowHttp")
  (dict "key" "vault.address" "url" $v.vault.address "allowHttp" $v.vault.insecureAllowHttp "allowKey" "vault.insecureAllowHttp")
  (dict "key" "airlock.oidc.issuer" "url" $v.airlock.oidc.issuer "allowHttp" false "allowKey" "")
-}}
{{- range $endpoints -}}
{{- if not .url -}}
{{- $errors = append $errors (printf "%s is empty: set it to the service's https:// URL." .key) -}}
{{- else if hasPrefix "http://" .url -}}
{{- if not .allowHttp -}}
{{- if .allowKey -}}
{{- $errors = append $errors (printf "%s is plain HTTP (%s): credentials and data would cross the network unencrypted. Use an https:// URL, or set %s=true if the connection never leaves a trusted network segment." .key .url .allowKey) -}}
{{- else -}}
{{- $errors = append $errors (printf "%s is plain HTTP (%s): tokens must be verified against keys fetched over HTTPS. Use the issuer's https:// URL." .key .url) -}}
{{- end -}}
{{- end -}}
{{- else if not (hasPrefix "https://" .url) -}}
{{- $errors = append $errors (printf "%s (%s) is not a URL: write it with its scheme, e.g. https://host:port." .key .url) -}}
{{- end -}}
{{- end -}}

{{- /* Network: egress is denied by default; every allowance names its destination. */ -}}
{{- range $name := list "dns" "kubeApiServer" "vault" "objectStorage" "database" "oidcIssuer" "notifications" "ingressController" "prometheus" -}}
{{- $peer := index $v.networkPolicy $name -}}
{{- range $peer.cidrs -}}
{{- if hasSuffix "/0" . -}}
{{- $errors = append $errors (printf "networkPolicy.%s.cidrs contains %s, which allows every address: egress is denied by default and each allowance must name its destination. List the service's own address ranges instead." $name .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := list "dns" "kubeApiServer" "vault" "objectStorage" "database" "oidcIssuer" -}}
{{- $peer := index $v.networkPolicy $name -}}
{{- if not (include "tre.networkPolicy.hasPeer" $peer) -}}
{{- $errors = append $errors (printf "networkPolicy.%s names no destination, so the components could not reach it: set its cidrs, or its namespaceSelector and podSelector." $name) -}}
{{- else if not $peer.ports -}}
{{- $errors = append $errors (printf "networkPolicy.%s.ports is empty: list the TCP ports the service listens on." $name) -}}
{{- end -}}
{{- end -}}
{{- range $name := list "kubeApiServer" "vault" "objectStorage" -}}
{{- $peer := index $v.networkPolicy $name -}}
{{- if and (include "tre.networkPolicy.hasPeer" $peer) (not $peer.cidrs) -}}
{{- $errors = append $errors (printf "networkPolicy.%s.cidrs is empty: project enclaves reach this service by address, so name it by its address range (labels alone are not enough)." $name) -}}
{{- end -}}
{{- end -}}
{{- if and (include "tre.networkPolicy.hasPeer" $v.networkPolicy.notifications) (not $v.networkPolicy.notifications.ports) -}}
{{- $errors = append $errors "networkPolicy.notifications.ports is empty: list the TCP ports of the SMTP relay or webhook receiver (e.g. 587 or 443)." -}}
{{- end -}}
{{- if not $v.projects.namespaceSelector -}}
{{- $errors = append $errors "projects.namespaceSelector is empty, which would let every namespace reach the airlock: set the labels the operator puts on project namespaces." -}}
{{- end -}}

{{- /* A disruption budget that can never be met blocks every node drain. */ -}}
{{- if and $v.airlock.podDisruptionBudget.enabled (ge (int $v.airlock.podDisruptionBudget.minAvailable) (int $v.airlock.replicas)) -}}
{{- $errors = append $errors (printf "airlock.podDisruptionBudget.minAvailable (%d) must be lower than airlock.replicas (%d), or no node could ever be drained. Raise airlock.replicas or disable the budget." (int $v.airlock.podDisruptionBudget.minAvailable) (int $v.airlock.replicas)) -}}
{{- end -}}

{{- if $errors -}}
{{- fail (printf "\n\ntre-orchestrator: this configuration cannot be installed:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
