
$script:ConditionalAccessPolicies = $null
$script:ReportOnlyPolicies = New-Object 'System.Collections.Generic.List[object]'

function Find-ConditionalAccessPolicy {
    # Returns the existing Conditional Access policy with this display name
    # (case-insensitive), or $null. The policy list is read once.
    param([Parameter(Mandatory = $true)] [string] $DisplayName)
    if ($null -eq $script:ConditionalAccessPolicies) {
        $script:ConditionalAccessPolicies = Get-GraphCollection -Uri '/v1.0/identity/conditionalAccess/policies'
    }
    foreach ($policy in $script:ConditionalAccessPolicies) {
        if ([string]$policy.displayName -eq $DisplayName) { return $policy }
    }
    return $null
}
