using System;

namespace Ec2Capacity.Emulator
{
    /// <summary>
    /// The documented demo state (README.md, "Demo seed"): what the emulator loads without --seed and what
    /// <see cref="EmulatorServer.StartAsync"/> loads for a null seed. The same JSON is in demo-seed.json.
    /// </summary>
    public static class DemoSeed
    {
        public const string Region = "us-east-1";

        /// <summary>The owner account of every demo reservation.</summary>
        public const string AccountId = "123456789012";

        /// <summary>Owner key: every action allowed.</summary>
        public const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
        public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

        /// <summary>Read-only key: only GetCapacityReservationUsage (everything else is UnauthorizedOperation).</summary>
        public const string ReadOnlyAccessKeyId = "AKIAI44QH8DHBEXAMPLE";
        public const string ReadOnlySecretAccessKey = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";

        /// <summary>Temporary credentials: every action allowed, X-Amz-Security-Token must be <see cref="SessionToken"/>.</summary>
        public const string SessionAccessKeyId = "ASIAIOSFODNN7SESSION";
        public const string SessionSecretAccessKey = "sessionSecretKeyExample/K7MDENG/bPxRfiCY";
        public const string SessionToken = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

        /// <summary>active m5.large, total 10, used 4 (two accounts), no allocation, no end date: the reservation to lend from.</summary>
        public const string SourceReservationId = "cr-0123456789abcdef0";

        /// <summary>active c5.xlarge, total 20, used 5, lends 4 (active, retain) to <see cref="InterruptibleReservationId"/>.</summary>
        public const string SourceWithAllocationId = "cr-0a1b2c3d4e5f60718";

        /// <summary>The interruptible reservation of <see cref="SourceWithAllocationId"/>: total 4, used 2 by 444455556666.</summary>
        public const string InterruptibleReservationId = "cr-0fedcba9876543210";

        /// <summary>active r5.large, total 60, 25 accounts using 2 each: pages of instanceUsageSet.</summary>
        public const string SharedReservationId = "cr-0aaaaaaaaaaaaaaa1";

        /// <summary>active with an end date (no allocation possible).</summary>
        public const string EndDatedReservationId = "cr-0bbbbbbbbbbbbbbb2";

        /// <summary>active inside its commitment (cancel needs QuoteId + ApplyCancellationCharges).</summary>
        public const string CommittedReservationId = "cr-0ccccccccccccccc3";

        /// <summary>a Capacity Block (can't be cancelled or lent from).</summary>
        public const string CapacityBlockReservationId = "cr-0ddddddddddddddd4";

        public const string CancelledReservationId = "cr-0eeeeeeeeeeeeeee5";
        public const string ScheduledReservationId = "cr-0fffffffffffffff6";
        public const string AssessingReservationId = "cr-01234567890abcde7";
        public const string DelayedReservationId = "cr-09999999999999998";
        public const string ExpiredReservationId = "cr-0777777777777777a";

        public const string Json = """
{
  "region": "us-east-1",
  "accounts": [
    {
      "name": "Owner",
      "accountId": "123456789012",
      "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
      "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "allowedActions": [
        "*"
      ]
    },
    {
      "name": "ReadOnly",
      "accountId": "123456789012",
      "accessKeyId": "AKIAI44QH8DHBEXAMPLE",
      "secretAccessKey": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
      "allowedActions": [
        "GetCapacityReservationUsage"
      ]
    },
    {
      "name": "Session",
      "accountId": "123456789012",
      "accessKeyId": "ASIAIOSFODNN7SESSION",
      "secretAccessKey": "sessionSecretKeyExample/K7MDENG/bPxRfiCY",
      "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN",
      "allowedActions": [
        "*"
      ]
    }
  ],
  "capacityReservations": [
    {
      "capacityReservationId": "cr-0123456789abcdef0",
      "ownerId": "123456789012",
      "instanceType": "m5.large",
      "totalInstanceCount": 10,
      "state": "active",
      "endDate": null,
      "commitmentEndDate": null,
      "capacityBlock": false,
      "instanceUsages": [
        {
          "accountId": "123456789012",
          "usedInstanceCount": 3
        },
        {
          "accountId": "111122223333",
          "usedInstanceCount": 1
        }
      ],
      "tags": [
        {
          "key": "Name",
          "value": "demo-source"
        }
      ]
    },
    {
      "capacityReservationId": "cr-0a1b2c3d4e5f60718",
      "ownerId": "123456789012",
      "instanceType": "c5.xlarge",
      "totalInstanceCount": 20,
      "state": "active",
      "capacityBlock": false,
      "instanceUsages": [
        {
          "accountId": "123456789012",
          "usedInstanceCount": 5
        }
      ],
      "interruptibleCapacityAllocation": {
        "instanceCount": 4,
        "targetInstanceCount": 4,
        "status": "active",
        "interruptibleCapacityReservationId": "cr-0fedcba9876543210",
        "interruptionType": "adhoc",
        "zeroSizePreference": "retain"
      }
    },
    {
      "capacityReservationId": "cr-0fedcba9876543210",
      "ownerId": "123456789012",
      "instanceType": "c5.xlarge",
      "totalInstanceCount": 4,
      "state": "active",
      "capacityBlock": false,
      "instanceUsages": [
        {
          "accountId": "444455556666",
          "usedInstanceCount": 2
        }
      ],
      "interruptible": true,
      "interruptionInfo": {
        "sourceCapacityReservationId": "cr-0a1b2c3d4e5f60718",
        "interruptionType": "adhoc"
      },
      "tags": [
        {
          "key": "team",
          "value": "batch"
        }
      ]
    },
    {
      "capacityReservationId": "cr-0aaaaaaaaaaaaaaa1",
      "ownerId": "123456789012",
      "instanceType": "r5.large",
      "totalInstanceCount": 60,
      "state": "active",
      "capacityBlock": false,
      "instanceUsages": [
        {
          "accountId": "100000000001",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000002",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000003",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000004",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000005",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000006",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000007",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000008",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000009",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000010",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000011",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000012",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000013",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000014",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000015",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000016",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000017",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000018",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000019",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000020",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000021",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000022",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000023",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000024",
          "usedInstanceCount": 2
        },
        {
          "accountId": "100000000025",
          "usedInstanceCount": 2
        }
      ]
    },
    {
      "capacityReservationId": "cr-0bbbbbbbbbbbbbbb2",
      "ownerId": "123456789012",
      "instanceType": "r5.large",
      "totalInstanceCount": 5,
      "state": "active",
      "endDate": "2030-12-31T23:59:59Z",
      "capacityBlock": false,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-0ccccccccccccccc3",
      "ownerId": "123456789012",
      "instanceType": "m5.2xlarge",
      "totalInstanceCount": 8,
      "state": "active",
      "commitmentEndDate": "2099-01-01T00:00:00Z",
      "capacityBlock": false,
      "instanceUsages": [
        {
          "accountId": "123456789012",
          "usedInstanceCount": 2
        }
      ]
    },
    {
      "capacityReservationId": "cr-0ddddddddddddddd4",
      "ownerId": "123456789012",
      "instanceType": "p5.48xlarge",
      "totalInstanceCount": 2,
      "state": "active",
      "endDate": "2099-01-01T00:00:00Z",
      "capacityBlock": true,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-0eeeeeeeeeeeeeee5",
      "ownerId": "123456789012",
      "instanceType": "m5.large",
      "totalInstanceCount": 3,
      "state": "cancelled",
      "capacityBlock": false,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-0fffffffffffffff6",
      "ownerId": "123456789012",
      "instanceType": "m6i.large",
      "totalInstanceCount": 4,
      "state": "scheduled",
      "commitmentEndDate": "2099-06-30T00:00:00Z",
      "capacityBlock": false,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-01234567890abcde7",
      "ownerId": "123456789012",
      "instanceType": "c6g.large",
      "totalInstanceCount": 2,
      "state": "assessing",
      "capacityBlock": false,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-09999999999999998",
      "ownerId": "123456789012",
      "instanceType": "c6g.large",
      "totalInstanceCount": 2,
      "state": "delayed",
      "capacityBlock": false,
      "instanceUsages": []
    },
    {
      "capacityReservationId": "cr-0777777777777777a",
      "ownerId": "123456789012",
      "instanceType": "m5.large",
      "totalInstanceCount": 1,
      "state": "expired",
      "capacityBlock": false,
      "instanceUsages": []
    }
  ],
  "instances": [
    {
      "instanceId": "i-0123456789abcdef0",
      "instanceType": "t3.micro",
      "state": "running",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef1",
      "instanceType": "t3.large",
      "state": "stopped",
      "tenancy": "default",
      "cpuCredits": "unlimited"
    },
    {
      "instanceId": "i-0123456789abcdef2",
      "instanceType": "t2.micro",
      "state": "running",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef3",
      "instanceType": "t4g.small",
      "state": "running",
      "tenancy": "default",
      "cpuCredits": "unlimited"
    },
    {
      "instanceId": "i-0123456789abcdef4",
      "instanceType": "t3a.medium",
      "state": "running",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef5",
      "instanceType": "m5.large",
      "state": "running",
      "tenancy": "default",
      "cpuCredits": null
    },
    {
      "instanceId": "i-0123456789abcdef6",
      "instanceType": "t3.micro",
      "state": "terminated",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef7",
      "instanceType": "t3.medium",
      "state": "running",
      "tenancy": "host",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef8",
      "instanceType": "t3.small",
      "state": "stopping",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-0123456789abcdef9",
      "instanceType": "t3.nano",
      "state": "shutting-down",
      "tenancy": "default",
      "cpuCredits": "standard"
    },
    {
      "instanceId": "i-1a2b3c4d",
      "instanceType": "t2.small",
      "state": "stopped",
      "tenancy": "default",
      "cpuCredits": "standard"
    }
  ],
  "behavior": {
    "settleAfterReads": 2,
    "maxCreditSpecificationsPerRequest": 1000,
    "faults": {
      "seed": 0,
      "throttleRate": 0,
      "serverErrorRate": 0,
      "dropRate": 0,
      "dropAfterCommitRate": 0,
      "latencyMs": 0
    }
  }
}
""";
    }
}
