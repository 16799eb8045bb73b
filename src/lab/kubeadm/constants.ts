/**
 * kubeadm's fixed paths, names, ports and defaults, as the kubeadm version the lab imitates uses
 * them. Sources (kubernetes/kubernetes): cmd/kubeadm/app/constants/constants.go (paths, ports,
 * ControlPlaneComponentHealthCheckTimeout = 4m, SupportedEtcdVersion 34: "3.6.5-0"),
 * cmd/kubeadm/app/apis/kubeadm/v1beta4/defaults.go (ServiceSubnet 10.96.0.0/12, DNSDomain
 * cluster.local, ClusterName kubernetes, ImageRepository registry.k8s.io).
 */

/** The Kubernetes version whose kubeadm layout is generated (image tags only: our binaries run). */
export const KUBERNETES_VERSION = 'v1.34.2';
/** constants.go SupportedEtcdVersion[34]. */
export const ETCD_IMAGE_TAG = '3.6.5-0';
export const IMAGE_REPOSITORY = 'registry.k8s.io';
export const CLUSTER_NAME = 'kubernetes';

export const KUBERNETES_DIR = '/etc/kubernetes';
export const CERTIFICATES_DIR = '/etc/kubernetes/pki';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const KUBELET_DIR = '/var/lib/kubelet';
export const KUBELET_CONFIG_FILE = '/var/lib/kubelet/config.yaml';

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_METRICS_PORT = 2381;
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
export const KUBE_SCHEDULER_PORT = 10259;
export const KUBELET_HEALTHZ_PORT = 10248;

export const SERVICE_SUBNET = '10.96.0.0/12';
/** First address of the service subnet: the `kubernetes` Service's ClusterIP (an apiserver SAN). */
export const API_SERVICE_IP = '10.96.0.1';
/** constants.GetDNSIP: the tenth address of the service subnet. */
export const CLUSTER_DNS_IP = '10.96.0.10';
export const DNS_DOMAIN = 'cluster.local';

/** 4 minutes / 10 s period, rounded up: the startup probes' failureThreshold (staticpod/utils.go). */
export const STARTUP_FAILURE_THRESHOLD = Math.ceil(240 / 10);

export const ADMIN_CONF = 'admin.conf';
export const SUPER_ADMIN_CONF = 'super-admin.conf';
export const CONTROLLER_MANAGER_CONF = 'controller-manager.conf';
export const SCHEDULER_CONF = 'scheduler.conf';
export const KUBELET_CONF = 'kubelet.conf';

/** kubeconfig.go: kubeadm:cluster-admins (admin.conf since v1.29), system:masters (super-admin.conf). */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
