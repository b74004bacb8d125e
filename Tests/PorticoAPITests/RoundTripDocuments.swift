/// Objects as `kubectl get -o json` prints them from a v1.34 cluster, written out by hand.
enum Documents {
    static let nodePortService = #"""
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"mynodeportservice\",\"namespace\":\"mynamespace\"},\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080}],\"selector\":{\"app\":\"web\"},\"type\":\"NodePort\"}}\n"
                },
                "creationTimestamp": "2026-11-20T09:14:03Z",
                "labels": {
                    "app": "web"
                },
                "managedFields": [
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {
                            "f:metadata": {
                                "f:annotations": {
                                    ".": {},
                                    "f:kubectl.kubernetes.io/last-applied-configuration": {}
                                }
                            },
                            "f:spec": {
                                "f:externalTrafficPolicy": {},
                                "f:ports": {
                                    ".": {},
                                    "k:{\"port\":80,\"protocol\":\"TCP\"}": {
                                        ".": {},
                                        "f:port": {},
                                        "f:protocol": {},
                                        "f:targetPort": {}
                                    }
                                },
                                "f:type": {}
                            }
                        },
                        "manager": "kubectl-client-side-apply",
                        "operation": "Update",
                        "time": "2026-11-20T09:14:03Z"
                    }
                ],
                "name": "mynodeportservice",
                "namespace": "mynamespace",
                "resourceVersion": "48211",
                "uid": "2b1c8f0e-5a4e-4d8a-9d7b-0d2f3c4b5a61"
            },
            "spec": {
                "clusterIP": "10.96.146.21",
                "clusterIPs": [
                    "10.96.146.21"
                ],
                "externalTrafficPolicy": "Cluster",
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": [
                    "IPv4"
                ],
                "ipFamilyPolicy": "SingleStack",
                "ports": [
                    {
                        "nodePort": 31852,
                        "port": 80,
                        "protocol": "TCP",
                        "targetPort": 8080
                    }
                ],
                "selector": {
                    "app": "web"
                },
                "sessionAffinity": "None",
                "type": "NodePort"
            },
            "status": {
                "loadBalancer": {}
            }
        }
        """#

    static let loadBalancerService = #"""
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:20:41Z",
                "finalizers": [
                    "service.kubernetes.io/load-balancer-cleanup"
                ],
                "name": "mylbservice",
                "namespace": "default",
                "resourceVersion": "48390",
                "uid": "8e0f6b2a-7c1d-4e3f-a2b4-c5d6e7f80912"
            },
            "spec": {
                "allocateLoadBalancerNodePorts": true,
                "clusterIP": "10.96.33.7",
                "clusterIPs": [
                    "10.96.33.7",
                    "fd00:10:96::5f2a"
                ],
                "externalTrafficPolicy": "Local",
                "healthCheckNodePort": 32410,
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": [
                    "IPv4",
                    "IPv6"
                ],
                "ipFamilyPolicy": "PreferDualStack",
                "loadBalancerSourceRanges": [
                    "203.0.113.0/24"
                ],
                "ports": [
                    {
                        "name": "http",
                        "nodePort": 30222,
                        "port": 80,
                        "protocol": "TCP",
                        "targetPort": "http"
                    },
                    {
                        "appProtocol": "kubernetes.io/h2c",
                        "name": "grpc",
                        "nodePort": 30223,
                        "port": 9000,
                        "protocol": "TCP",
                        "targetPort": 9000
                    }
                ],
                "selector": {
                    "app": "web"
                },
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {
                    "clientIP": {
                        "timeoutSeconds": 10800
                    }
                },
                "trafficDistribution": "PreferClose",
                "type": "LoadBalancer"
            },
            "status": {
                "conditions": [
                    {
                        "lastTransitionTime": "2026-11-20T09:20:43Z",
                        "message": "assigned from pool lab",
                        "reason": "IPAllocated",
                        "status": "True",
                        "type": "LoadBalancerReady"
                    }
                ],
                "loadBalancer": {
                    "ingress": [
                        {
                            "ip": "203.0.113.10",
                            "ipMode": "VIP",
                            "ports": [
                                {
                                    "port": 80,
                                    "protocol": "TCP"
                                }
                            ]
                        }
                    ]
                }
            }
        }
        """#

    static let externalNameService = #"""
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:22:00Z",
                "name": "db",
                "namespace": "default",
                "resourceVersion": "48401",
                "uid": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
            },
            "spec": {
                "externalName": "db.example.com",
                "sessionAffinity": "None",
                "type": "ExternalName"
            },
            "status": {
                "loadBalancer": {}
            }
        }
        """#

    static let pod = #"""
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:10:00Z",
                "generateName": "web-7d9f8b6c5d-",
                "labels": {
                    "app": "web",
                    "pod-template-hash": "7d9f8b6c5d"
                },
                "name": "web-7d9f8b6c5d-x2k4q",
                "namespace": "default",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "ReplicaSet",
                        "name": "web-7d9f8b6c5d",
                        "uid": "5f4e3d2c-1b0a-4987-8654-3210fedcba98"
                    }
                ],
                "resourceVersion": "47990",
                "uid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
            },
            "spec": {
                "containers": [
                    {
                        "args": [
                            "netexec",
                            "--http-port=8080"
                        ],
                        "env": [
                            {
                                "name": "POD_IP",
                                "valueFrom": {
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "status.podIP"
                                    }
                                }
                            },
                            {
                                "name": "GREETING",
                                "value": "hello"
                            }
                        ],
                        "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "agnhost",
                        "ports": [
                            {
                                "containerPort": 8080,
                                "name": "http",
                                "protocol": "TCP"
                            }
                        ],
                        "readinessProbe": {
                            "failureThreshold": 3,
                            "httpGet": {
                                "path": "/healthz",
                                "port": "http",
                                "scheme": "HTTP"
                            },
                            "periodSeconds": 10,
                            "successThreshold": 1,
                            "timeoutSeconds": 1
                        },
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
                            {
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                "name": "kube-api-access-7xk2p",
                                "readOnly": true
                            }
                        ]
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "nodeName": "node-1",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {
                        "effect": "NoExecute",
                        "key": "node.kubernetes.io/not-ready",
                        "operator": "Exists",
                        "tolerationSeconds": 300
                    }
                ],
                "volumes": [
                    {
                        "name": "kube-api-access-7xk2p",
                        "projected": {
                            "defaultMode": 420,
                            "sources": [
                                {
                                    "serviceAccountToken": {
                                        "expirationSeconds": 3607,
                                        "path": "token"
                                    }
                                }
                            ]
                        }
                    }
                ]
            },
            "status": {
                "conditions": [
                    {
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T09:10:02Z",
                        "status": "True",
                        "type": "PodReadyToStartContainers"
                    },
                    {
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T09:10:00Z",
                        "status": "True",
                        "type": "Initialized"
                    },
                    {
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T09:10:05Z",
                        "status": "True",
                        "type": "Ready"
                    },
                    {
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T09:10:00Z",
                        "status": "True",
                        "type": "PodScheduled"
                    }
                ],
                "containerStatuses": [
                    {
                        "containerID": "portico://a1b2c3d4",
                        "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                        "imageID": "portico://agnhost",
                        "lastState": {
                            "terminated": {
                                "containerID": "portico://9f8e7d6c",
                                "exitCode": 137,
                                "finishedAt": "2026-11-20T09:10:01Z",
                                "reason": "Error",
                                "startedAt": "2026-11-20T09:10:00Z"
                            }
                        },
                        "name": "agnhost",
                        "ready": true,
                        "restartCount": 1,
                        "started": true,
                        "state": {
                            "running": {
                                "startedAt": "2026-11-20T09:10:02Z"
                            }
                        }
                    }
                ],
                "hostIP": "10.10.10.1",
                "hostIPs": [
                    {
                        "ip": "10.10.10.1"
                    }
                ],
                "phase": "Running",
                "podIP": "10.244.1.5",
                "podIPs": [
                    {
                        "ip": "10.244.1.5"
                    }
                ],
                "qosClass": "BestEffort",
                "startTime": "2026-11-20T09:10:00Z"
            }
        }
        """#

    static let node = #"""
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:00:00Z",
                "labels": {
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "node-1",
                    "kubernetes.io/os": "linux",
                    "node-role.kubernetes.io/worker": ""
                },
                "name": "node-1",
                "resourceVersion": "48000",
                "uid": "11111111-2222-4333-8444-555555555555"
            },
            "spec": {
                "podCIDR": "10.244.1.0/24",
                "podCIDRs": [
                    "10.244.1.0/24"
                ]
            },
            "status": {
                "addresses": [
                    {
                        "address": "10.10.10.1",
                        "type": "InternalIP"
                    },
                    {
                        "address": "node-1",
                        "type": "Hostname"
                    }
                ],
                "allocatable": {
                    "cpu": "2",
                    "memory": "24Gi",
                    "pods": "110"
                },
                "capacity": {
                    "cpu": "2",
                    "memory": "24Gi",
                    "pods": "110"
                },
                "conditions": [
                    {
                        "lastHeartbeatTime": "2026-11-20T09:30:00Z",
                        "lastTransitionTime": "2026-11-20T09:00:05Z",
                        "message": "portico agent is posting ready status",
                        "reason": "KubeletReady",
                        "status": "True",
                        "type": "Ready"
                    }
                ],
                "daemonEndpoints": {
                    "kubeletEndpoint": {
                        "Port": 10250
                    }
                },
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
                    "containerRuntimeVersion": "portico://0.1.0",
                    "kernelVersion": "6.1.0-27-amd64",
                    "kubeProxyVersion": "",
                    "kubeletVersion": "v1.34.0",
                    "machineID": "3c4d5e6f708192a3b4c5d6e7f8091a2b",
                    "operatingSystem": "linux",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "systemUUID": "3c4d5e6f-7081-92a3-b4c5-d6e7f8091a2b"
                }
            }
        }
        """#

    static let endpoints = #"""
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "annotations": {
                    "endpoints.kubernetes.io/last-change-trigger-time": "2026-11-20T09:10:05Z"
                },
                "creationTimestamp": "2026-11-20T09:14:03Z",
                "labels": {
                    "app": "web"
                },
                "name": "mynodeportservice",
                "namespace": "mynamespace",
                "resourceVersion": "48215",
                "uid": "77777777-8888-4999-aaaa-bbbbbbbbbbbb"
            },
            "subsets": [
                {
                    "addresses": [
                        {
                            "ip": "10.244.1.5",
                            "nodeName": "node-1",
                            "targetRef": {
                                "kind": "Pod",
                                "name": "web-7d9f8b6c5d-x2k4q",
                                "namespace": "mynamespace",
                                "uid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
                            }
                        }
                    ],
                    "notReadyAddresses": [
                        {
                            "ip": "10.244.2.7",
                            "nodeName": "node-2",
                            "targetRef": {
                                "kind": "Pod",
                                "name": "web-7d9f8b6c5d-q8z9w",
                                "namespace": "mynamespace",
                                "uid": "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
                            }
                        }
                    ],
                    "ports": [
                        {
                            "port": 8080,
                            "protocol": "TCP"
                        }
                    ]
                }
            ]
        }
        """#

    static let endpointSlice = #"""
        {
            "addressType": "IPv4",
            "apiVersion": "discovery.k8s.io/v1",
            "endpoints": [
                {
                    "addresses": [
                        "10.244.1.5"
                    ],
                    "conditions": {
                        "ready": true,
                        "serving": true,
                        "terminating": false
                    },
                    "nodeName": "node-1",
                    "targetRef": {
                        "kind": "Pod",
                        "name": "web-7d9f8b6c5d-x2k4q",
                        "namespace": "mynamespace",
                        "uid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
                    }
                }
            ],
            "kind": "EndpointSlice",
            "metadata": {
                "annotations": {
                    "endpoints.kubernetes.io/last-change-trigger-time": "2026-11-20T09:10:05Z"
                },
                "creationTimestamp": "2026-11-20T09:14:03Z",
                "generateName": "mynodeportservice-",
                "generation": 3,
                "labels": {
                    "app": "web",
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    "kubernetes.io/service-name": "mynodeportservice"
                },
                "name": "mynodeportservice-8fk2d",
                "namespace": "mynamespace",
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "Service",
                        "name": "mynodeportservice",
                        "uid": "2b1c8f0e-5a4e-4d8a-9d7b-0d2f3c4b5a61"
                    }
                ],
                "resourceVersion": "48216",
                "uid": "99999999-aaaa-4bbb-8ccc-dddddddddddd"
            },
            "ports": [
                {
                    "name": "",
                    "port": 8080,
                    "protocol": "TCP"
                }
            ]
        }
        """#

    static let emptyEndpointSlice = #"""
        {
            "addressType": "IPv4",
            "apiVersion": "discovery.k8s.io/v1",
            "endpoints": null,
            "kind": "EndpointSlice",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:14:03Z",
                "name": "empty-abcde",
                "namespace": "default",
                "resourceVersion": "1",
                "uid": "12121212-3434-4565-8787-909090909090"
            },
            "ports": null
        }
        """#

    static let deployment = #"""
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "annotations": {
                    "deployment.kubernetes.io/revision": "1"
                },
                "creationTimestamp": "2026-11-20T09:09:58Z",
                "generation": 1,
                "name": "web",
                "namespace": "default",
                "resourceVersion": "48100",
                "uid": "cccccccc-dddd-4eee-8fff-000000000000"
            },
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 3,
                "revisionHistoryLimit": 10,
                "selector": {
                    "matchLabels": {
                        "app": "web"
                    }
                },
                "strategy": {
                    "rollingUpdate": {
                        "maxSurge": "25%",
                        "maxUnavailable": "25%"
                    },
                    "type": "RollingUpdate"
                },
                "template": {
                    "metadata": {
                        "creationTimestamp": null,
                        "labels": {
                            "app": "web"
                        }
                    },
                    "spec": {
                        "containers": [
                            {
                                "args": [
                                    "netexec",
                                    "--http-port=8080"
                                ],
                                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                "imagePullPolicy": "IfNotPresent",
                                "name": "agnhost",
                                "resources": {},
                                "terminationMessagePath": "/dev/termination-log",
                                "terminationMessagePolicy": "File"
                            }
                        ],
                        "dnsPolicy": "ClusterFirst",
                        "restartPolicy": "Always",
                        "schedulerName": "default-scheduler",
                        "securityContext": {},
                        "terminationGracePeriodSeconds": 30
                    }
                }
            },
            "status": {
                "availableReplicas": 3,
                "conditions": [
                    {
                        "lastTransitionTime": "2026-11-20T09:10:06Z",
                        "lastUpdateTime": "2026-11-20T09:10:06Z",
                        "message": "Deployment has minimum availability.",
                        "reason": "MinimumReplicasAvailable",
                        "status": "True",
                        "type": "Available"
                    }
                ],
                "observedGeneration": 1,
                "readyReplicas": 3,
                "replicas": 3,
                "updatedReplicas": 3
            }
        }
        """#

    static let replicaSet = #"""
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "annotations": {
                    "deployment.kubernetes.io/desired-replicas": "3",
                    "deployment.kubernetes.io/max-replicas": "4",
                    "deployment.kubernetes.io/revision": "1"
                },
                "creationTimestamp": "2026-11-20T09:09:58Z",
                "generation": 1,
                "labels": {
                    "app": "web",
                    "pod-template-hash": "7d9f8b6c5d"
                },
                "name": "web-7d9f8b6c5d",
                "namespace": "default",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "Deployment",
                        "name": "web",
                        "uid": "cccccccc-dddd-4eee-8fff-000000000000"
                    }
                ],
                "resourceVersion": "48099",
                "uid": "5f4e3d2c-1b0a-4987-8654-3210fedcba98"
            },
            "spec": {
                "replicas": 3,
                "selector": {
                    "matchLabels": {
                        "app": "web",
                        "pod-template-hash": "7d9f8b6c5d"
                    }
                },
                "template": {
                    "metadata": {
                        "creationTimestamp": null,
                        "labels": {
                            "app": "web",
                            "pod-template-hash": "7d9f8b6c5d"
                        }
                    },
                    "spec": {
                        "containers": [
                            {
                                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                "name": "agnhost"
                            }
                        ]
                    }
                }
            },
            "status": {
                "availableReplicas": 3,
                "fullyLabeledReplicas": 3,
                "observedGeneration": 1,
                "readyReplicas": 3,
                "replicas": 3
            }
        }
        """#

    static let namespace = #"""
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:00:00Z",
                "labels": {
                    "kubernetes.io/metadata.name": "mynamespace"
                },
                "name": "mynamespace",
                "resourceVersion": "12",
                "uid": "dddddddd-eeee-4fff-8000-111111111111"
            },
            "spec": {
                "finalizers": [
                    "kubernetes"
                ]
            },
            "status": {
                "phase": "Active"
            }
        }
        """#

    static let event = #"""
        {
            "apiVersion": "v1",
            "count": 1,
            "eventTime": null,
            "firstTimestamp": "2026-11-20T09:20:43Z",
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "Service",
                "name": "mylbservice",
                "namespace": "default",
                "resourceVersion": "48390",
                "uid": "8e0f6b2a-7c1d-4e3f-a2b4-c5d6e7f80912"
            },
            "kind": "Event",
            "lastTimestamp": "2026-11-20T09:20:43Z",
            "message": "Assigned IP [\"203.0.113.10\"]",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:20:43Z",
                "name": "mylbservice.1879a2b3c4d5e6f7",
                "namespace": "default",
                "resourceVersion": "48392",
                "uid": "eeeeeeee-ffff-4000-8111-222222222222"
            },
            "reason": "IPAllocated",
            "reportingComponent": "",
            "reportingInstance": "",
            "source": {
                "component": "portico-lb-controller"
            },
            "type": "Normal"
        }
        """#

    static let configMap = #"""
        {
            "apiVersion": "v1",
            "data": {
                "Corefile": ".:53 {\n    kubernetes cluster.local\n}\n",
                "ttl": "5"
            },
            "kind": "ConfigMap",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:00:01Z",
                "name": "portico-dns",
                "namespace": "kube-system",
                "resourceVersion": "40",
                "uid": "ffffffff-0000-4111-8222-333333333333"
            }
        }
        """#

    static let lease = #"""
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "creationTimestamp": "2026-11-20T09:00:02Z",
                "name": "node-1",
                "namespace": "kube-node-lease",
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "Node",
                        "name": "node-1",
                        "uid": "11111111-2222-4333-8444-555555555555"
                    }
                ],
                "resourceVersion": "48377",
                "uid": "00000000-1111-4222-8333-444444444444"
            },
            "spec": {
                "holderIdentity": "node-1",
                "leaseDurationSeconds": 40,
                "renewTime": "2026-11-20T09:30:10.417233Z"
            }
        }
        """#

    static let status = #"""
        {
            "apiVersion": "v1",
            "code": 422,
            "details": {
                "causes": [
                    {
                        "field": "spec.ports[0].nodePort",
                        "message": "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
                        "reason": "FieldValueInvalid"
                    }
                ],
                "kind": "Service",
                "name": "web"
            },
            "kind": "Status",
            "message": "Service \"web\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
            "metadata": {},
            "reason": "Invalid",
            "status": "Failure"
        }
        """#

    static let resourceList = #"""
        {
            "apiVersion": "v1",
            "groupVersion": "v1",
            "kind": "APIResourceList",
            "resources": [
                {
                    "categories": [
                        "all"
                    ],
                    "kind": "Service",
                    "name": "services",
                    "namespaced": true,
                    "shortNames": [
                        "svc"
                    ],
                    "singularName": "service",
                    "storageVersionHash": "0/CO1lhkEBI=",
                    "verbs": [
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch"
                    ]
                },
                {
                    "kind": "Service",
                    "name": "services/status",
                    "namespaced": true,
                    "singularName": "",
                    "verbs": [
                        "get",
                        "patch",
                        "update"
                    ]
                }
            ]
        }
        """#

    static let watchEvent = #"""
        {"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"48400","annotations":{"k8s.io/initial-events-end":"true"}}}}
        """#
}
