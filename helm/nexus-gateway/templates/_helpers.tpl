{{- define "nexus.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nexus.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nexus.labels" -}}
app.kubernetes.io/name: {{ include "nexus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "nexus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nexus.adminSecret" -}}
{{- if .Values.adminToken.existingSecret -}}
{{- .Values.adminToken.existingSecret -}}
{{- else -}}
{{- printf "%s-admin" (include "nexus.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The gateway config: HOCON accepts JSON, so the nexus values are rendered as JSON; then
     extraConfig, HOCON as written, for what JSON cannot say (${?VAR} substitutions of secrets). */}}
{{- define "nexus.config" -}}
nexus = {{ toPrettyJson .Values.nexus }}
{{- with .Values.extraConfig }}
{{ . }}
{{- end }}
{{- end -}}

{{/* preStop + drain-delay + shutdown timeout + 10 s of slack, in seconds. */}}
{{- define "nexus.terminationGrace" -}}
{{- $shutdown := .Values.nexus.server.shutdown | default dict -}}
{{- $drain := include "nexus.seconds" (index $shutdown "drain-delay" | default "5s") | int -}}
{{- $timeout := include "nexus.seconds" (index $shutdown "timeout" | default "30s") | int -}}
{{- add .Values.preStopSleepSeconds $drain $timeout 10 -}}
{{- end -}}

{{/* Whole seconds of a duration written like 500ms, 5s or 2m. */}}
{{- define "nexus.seconds" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d -}}{{- div (trimSuffix "ms" $d | int) 1000 | add1 -}}
{{- else if hasSuffix "s" $d -}}{{- trimSuffix "s" $d | int -}}
{{- else if hasSuffix "m" $d -}}{{- mul (trimSuffix "m" $d | int) 60 -}}
{{- else -}}{{- $d | int -}}
{{- end -}}
{{- end -}}
