# OCI IAM: foureyes does not model it, and the configuration asks for an approver then.
resource "oci_identity_policy" "platform_admins" {
  compartment_id = "ocid1.tenancy.oc1..aaaaaaaexample"
  name           = "platform-admins"
  description    = "platform admins manage everything"
  statements     = ["Allow group PlatformAdmins to manage all-resources in tenancy"]
}
