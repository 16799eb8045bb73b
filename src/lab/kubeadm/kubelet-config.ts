/**
 * /var/lib/kubelet/config.yaml as kubeadm writes it: the KubeletConfiguration kubeadm defaults
 * (kubernetes/kubernetes cmd/kubeadm/app/componentconfigs/kubelet.go Default: staticPodPath,
 * clusterDNS = tenth service IP, clusterDomain, x509 client CA, anonymous auth off, webhook
 * authentication and authorization, healthz on 127.0.0.1:10248, rotateCertificates, cgroupDriver
 * systemd; resolvConf only when systemd-resolved is active, which the lab's hosts do not run),
 * marshalled with the v1beta1 type's zero durations (`0s`: the kubelet applies its own default,
 * e.g. fileCheckFrequency 20 s). The lab's kubelet timings are substituted as a
 * KubeletConfiguration patch would: nodeStatusUpdateFrequency and nodeLeaseDurationSeconds.
 */
import type { LabConfig } from '../config.ts';
import {
  CERTIFICATES_DIR,
  CLUSTER_DNS_IP,
  DNS_DOMAIN,
  KUBELET_HEALTHZ_PORT,
  MANIFESTS_DIR,
} from './constants.ts';

export function kubeletConfiguration(cfg: LabConfig) {
  const k = cfg.timings.kubelet;
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: { enabled: false },
      webhook: { cacheTTL: '0s', enabled: true },
      x509: { clientCAFile: `${CERTIFICATES_DIR}/ca.crt` },
    },
    authorization: {
      mode: 'Webhook',
      webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' },
    },
    cgroupDriver: 'systemd',
    clusterDNS: [CLUSTER_DNS_IP],
    clusterDomain: DNS_DOMAIN,
    containerRuntimeEndpoint: '',
    cpuManagerReconcilePeriod: '0s',
    crashLoopBackOff: {},
    evictionPressureTransitionPeriod: '0s',
    fileCheckFrequency: '0s',
    healthzBindAddress: '127.0.0.1',
    healthzPort: KUBELET_HEALTHZ_PORT,
    httpCheckFrequency: '0s',
    imageMaximumGCAge: '0s',
    imageMinimumGCAge: '0s',
    logging: {
      flushFrequency: 0,
      options: { json: { infoBufferSize: '0' }, text: { infoBufferSize: '0' } },
      verbosity: 0,
    },
    memorySwap: {},
    nodeLeaseDurationSeconds: k.nodeLeaseDurationS,
    nodeStatusReportFrequency: '0s',
    nodeStatusUpdateFrequency: `${k.nodeStatusUpdateFrequencyS}s`,
    rotateCertificates: true,
    runtimeRequestTimeout: '0s',
    shutdownGracePeriod: '0s',
    shutdownGracePeriodCriticalPods: '0s',
    staticPodPath: MANIFESTS_DIR,
    streamingConnectionIdleTimeout: '0s',
    syncFrequency: '0s',
    volumeStatsAggPeriod: '0s',
  };
}
