package setup

// helpers is the fixed helper section of setup-app.ps1. No tenant or user
// value is part of it: those are the variables set above it.
const helpers = `
#region Helpers
$ErrorActionPreference = 'Stop'
$script:SetupLog = New-Object 'System.Collections.Generic.List[object]'
$script:StartedAt = (Get-Date).ToUniversalTime()

function ConvertTo-ConsoleText {
    # Names from the tenant are shown with control and invisible characters
    # replaced, so a name cannot move the cursor or hide text.
    param([AllowNull()] [string] $Text)
    if ($null -eq $Text) { return '' }
    return ($Text -replace '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]', '?')
}

function Add-SetupLog {
    # Records one step (planned, applied, already present, skipped or failed)
    # for the JSON log and shows it on the console.
    param(
        [Parameter(Mandatory = $true)] [string] $Step,
        [Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Target,
        [Parameter(Mandatory = $true)] [ValidateSet('whatif', 'applied', 'present', 'skipped', 'failed')] [string] $Status,
        [AllowNull()] [string] $Message = ''
    )
    $script:SetupLog.Add([pscustomobject]@{
            step    = $Step
            target  = $Target
            status  = $Status
            message = $Message
            time    = (Get-Date).ToUniversalTime().ToString('o')
        })
    $text = '[{0}] {1}: {2}' -f $Status, $Step, (ConvertTo-ConsoleText $Target)
    if ($Message) { $text = $text + ' (' + (ConvertTo-ConsoleText $Message) + ')' }
    switch ($Status) {
        'failed' { Write-Warning $text }
        'applied' { Write-Host $text -ForegroundColor Green }
        'whatif' { Write-Host $text -ForegroundColor Cyan }
        default { Write-Host $text -ForegroundColor DarkGray }
    }
}

function Get-SkipStatus {
    # ShouldProcess said no: either -WhatIf is on, or the operator answered No.
    if ($WhatIfPreference) { return 'whatif' }
    return 'skipped'
}

function Get-GraphCollection {
    # GET a Microsoft Graph collection, following @odata.nextLink pages.
    param([Parameter(Mandatory = $true)] [string] $Uri)
    $items = New-Object 'System.Collections.Generic.List[object]'
    $next = $Uri
    while ($next) {
        $page = Invoke-MgGraphRequest -Method GET -Uri $next
        if ($null -ne $page.value) {
            foreach ($item in $page.value) { $items.Add($item) }
        }
        $next = $page.'@odata.nextLink'
    }
    return , $items.ToArray()
}

function ConvertTo-GraphBody {
    param([Parameter(Mandatory = $true)] $Body)
    return (ConvertTo-Json -InputObject $Body -Depth 10 -Compress)
}

function ConvertTo-ODataLiteral {
    # A value inside '...' of an OData filter, URL-encoded.
    param([Parameter(Mandatory = $true)] [string] $Value)
    return [System.Uri]::EscapeDataString($Value.Replace("'", "''"))
}

function Resolve-AppRole {
    # The application permission (app role) of a resource service principal
    # with this value; throws when the resource does not offer it.
    param([Parameter(Mandatory = $true)] $ServicePrincipal, [Parameter(Mandatory = $true)] [string] $Value)
    foreach ($role in $ServicePrincipal.appRoles) {
        if ([string]$role.value -eq $Value -and @($role.allowedMemberTypes) -contains 'Application') { return $role }
    }
    throw ('The resource {0} offers no application permission {1}.' -f $ServicePrincipal.appId, $Value)
}

function Get-ResourceServicePrincipal {
    param([Parameter(Mandatory = $true)] [string] $AppId)
    $found = Get-GraphCollection -Uri ('/v1.0/servicePrincipals?$filter=appId eq ''{0}''' -f $AppId)
    if ($found.Count -ne 1) { throw ('The service principal of resource {0} was not found in this tenant.' -f $AppId) }
    return $found[0]
}

function Write-SetupLogFile {
    $file = Join-Path $PSScriptRoot ('setup-log-{0}.json' -f $script:StartedAt.ToString('yyyyMMddTHHmmssZ'))
    $doc = [pscustomobject]@{
        tool      = 'm365audit'
        version   = $ToolVersion
        tenant    = $ExpectedTenant
        app       = $AppDisplayName
        whatIf    = [bool]$WhatIfPreference
        startedAt = $script:StartedAt.ToString('o')
        steps     = $script:SetupLog.ToArray()
    }
    ConvertTo-Json -InputObject $doc -Depth 6 | Set-Content -LiteralPath $file -Encoding UTF8 -WhatIf:$false -Confirm:$false
    Write-Host ('Log written to {0}' -f $file)
}
#endregion Helpers
`

// body is the fixed main section of setup-app.ps1.
const body = `
#region TenantGuard Sign in and verify the tenant (nothing is changed before this passes)
# A -WhatIf run only reads, so it asks for the read permissions and needs no consent to write.
$SetupGraphScopes = @('Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory')
if ($WhatIfPreference) {
    $SetupGraphScopes = @('Application.Read.All', 'RoleManagement.Read.Directory')
}
Connect-MgGraph -TenantId $ExpectedTenant -Environment $GraphEnvironment -NoWelcome -Scopes $SetupGraphScopes
$organization = (Invoke-MgGraphRequest -Method GET -Uri '/v1.0/organization').value | Select-Object -First 1
if ($null -eq $organization) { throw 'The signed-in session cannot read the organization; refusing to continue.' }
$TenantId = [string]$organization.id
$domainNames = @($organization.verifiedDomains | ForEach-Object { [string]$_.name })
if (-not ($TenantId -eq $ExpectedTenant -or ($domainNames | Where-Object { $_ -eq $ExpectedTenant }))) {
    throw ('Signed in to tenant {0}, which is not {1}. Nothing was changed.' -f $TenantId, (ConvertTo-ConsoleText $ExpectedTenant))
}
Write-Host ('Tenant: {0} ({1})' -f (ConvertTo-ConsoleText ([string]$organization.displayName)), $TenantId)
#endregion TenantGuard

try {
    #region Certificate Read the public certificate to upload
    if (-not (Test-Path -LiteralPath $CertificatePath)) { throw ('Certificate {0} not found.' -f $CertificatePath) }
    $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([System.IO.File]::ReadAllBytes($CertificatePath))
    if ($certificate.NotAfter -lt (Get-Date)) { throw ('Certificate {0} expired on {1}.' -f $certificate.Thumbprint, $certificate.NotAfter.ToString('o')) }
    $certificateKey = [System.Convert]::ToBase64String($certificate.RawData)
    $certificateId = [System.Convert]::ToBase64String($certificate.GetCertHash())
    Write-Host ('Certificate: {0}, valid until {1}' -f $certificate.Thumbprint, $certificate.NotAfter.ToString('yyyy-MM-dd'))
    #endregion Certificate

    #region Resources Resolve the permissions on Microsoft Graph and Exchange Online
    $graphSp = Get-ResourceServicePrincipal -AppId $GraphAppId
    $exchangeSp = Get-ResourceServicePrincipal -AppId $ExchangeAppId
    $grants = New-Object 'System.Collections.Generic.List[object]'
    foreach ($name in $GraphPermissions) { $grants.Add([pscustomobject]@{ Resource = $graphSp; Role = (Resolve-AppRole -ServicePrincipal $graphSp -Value $name) }) }
    foreach ($name in $ExchangePermissions) { $grants.Add([pscustomobject]@{ Resource = $exchangeSp; Role = (Resolve-AppRole -ServicePrincipal $exchangeSp -Value $name) }) }
    $requiredResourceAccess = @(
        @{ resourceAppId = $GraphAppId; resourceAccess = @($grants | Where-Object { $_.Resource.appId -eq $GraphAppId } | ForEach-Object { @{ id = [string]$_.Role.id; type = 'Role' } }) },
        @{ resourceAppId = $ExchangeAppId; resourceAccess = @($grants | Where-Object { $_.Resource.appId -eq $ExchangeAppId } | ForEach-Object { @{ id = [string]$_.Role.id; type = 'Role' } }) }
    )
    #endregion Resources

    #region Application Create or complete the app registration
    $apps = Get-GraphCollection -Uri ('/v1.0/applications?$filter=displayName eq ''{0}''' -f (ConvertTo-ODataLiteral $AppDisplayName))
    if ($apps.Count -gt 1) { throw ('{0} applications are named {1}; rename or remove the extra ones.' -f $apps.Count, (ConvertTo-ConsoleText $AppDisplayName)) }
    $app = $null
    if ($apps.Count -eq 1) {
        $app = $apps[0]
        Add-SetupLog -Step 'application' -Target $AppDisplayName -Status 'present' -Message ('appId ' + $app.appId)
        if ($PSCmdlet.ShouldProcess($AppDisplayName, 'Set the required application permissions')) {
            Invoke-MgGraphRequest -Method PATCH -Uri ('/v1.0/applications/{0}' -f $app.id) -Body (ConvertTo-GraphBody @{ requiredResourceAccess = $requiredResourceAccess; signInAudience = $SignInAudience }) -ContentType 'application/json' | Out-Null
            Add-SetupLog -Step 'requiredResourceAccess' -Target $AppDisplayName -Status 'applied'
        } else {
            Add-SetupLog -Step 'requiredResourceAccess' -Target $AppDisplayName -Status (Get-SkipStatus)
        }
        $hasCertificate = @($app.keyCredentials | Where-Object { [string]$_.customKeyIdentifier -eq $certificateId }).Count -gt 0
        if ($hasCertificate) {
            Add-SetupLog -Step 'certificate' -Target $certificate.Thumbprint -Status 'present'
        } elseif (@($app.keyCredentials).Count -gt 0) {
            Add-SetupLog -Step 'certificate' -Target $certificate.Thumbprint -Status 'skipped' -Message 'the app already has other certificates; add this one under Certificates & secrets in the portal (replacing the list here would remove them)'
        } elseif ($PSCmdlet.ShouldProcess($AppDisplayName, 'Add certificate ' + $certificate.Thumbprint)) {
            $keyCredential = @{ type = 'AsymmetricX509Cert'; usage = 'Verify'; key = $certificateKey; displayName = 'm365audit' }
            Invoke-MgGraphRequest -Method PATCH -Uri ('/v1.0/applications/{0}' -f $app.id) -Body (ConvertTo-GraphBody @{ keyCredentials = @($keyCredential) }) -ContentType 'application/json' | Out-Null
            Add-SetupLog -Step 'certificate' -Target $certificate.Thumbprint -Status 'applied'
        } else {
            Add-SetupLog -Step 'certificate' -Target $certificate.Thumbprint -Status (Get-SkipStatus)
        }
    } elseif ($PSCmdlet.ShouldProcess($AppDisplayName, 'Create the app registration')) {
        $keyCredential = @{ type = 'AsymmetricX509Cert'; usage = 'Verify'; key = $certificateKey; displayName = 'm365audit' }
        $newApp = @{ displayName = $AppDisplayName; signInAudience = $SignInAudience; requiredResourceAccess = $requiredResourceAccess; keyCredentials = @($keyCredential) }
        $app = Invoke-MgGraphRequest -Method POST -Uri '/v1.0/applications' -Body (ConvertTo-GraphBody $newApp) -ContentType 'application/json'
        Add-SetupLog -Step 'application' -Target $AppDisplayName -Status 'applied' -Message ('appId ' + $app.appId)
    } else {
        Add-SetupLog -Step 'application' -Target $AppDisplayName -Status (Get-SkipStatus)
    }
    #endregion Application

    #region ServicePrincipal Create the app's service principal in this tenant
    $sp = $null
    if ($null -ne $app) {
        $sps = Get-GraphCollection -Uri ('/v1.0/servicePrincipals?$filter=appId eq ''{0}''' -f $app.appId)
        if ($sps.Count -ge 1) {
            $sp = $sps[0]
            Add-SetupLog -Step 'servicePrincipal' -Target $AppDisplayName -Status 'present'
        } elseif ($PSCmdlet.ShouldProcess($AppDisplayName, 'Create the service principal')) {
            $sp = Invoke-MgGraphRequest -Method POST -Uri '/v1.0/servicePrincipals' -Body (ConvertTo-GraphBody @{ appId = [string]$app.appId }) -ContentType 'application/json'
            Add-SetupLog -Step 'servicePrincipal' -Target $AppDisplayName -Status 'applied'
        } else {
            Add-SetupLog -Step 'servicePrincipal' -Target $AppDisplayName -Status (Get-SkipStatus)
        }
    }
    #endregion ServicePrincipal

    #region Consent Grant admin consent for each application permission
    $assigned = @()
    if ($null -ne $sp) { $assigned = Get-GraphCollection -Uri ('/v1.0/servicePrincipals/{0}/appRoleAssignments' -f $sp.id) }
    foreach ($grant in $grants) {
        $target = '{0} {1}' -f $grant.Resource.displayName, $grant.Role.value
        if ($null -eq $sp) {
            Add-SetupLog -Step 'consent' -Target $target -Status (Get-SkipStatus) -Message 'the app does not exist yet'
            continue
        }
        $have = @($assigned | Where-Object { [string]$_.appRoleId -eq [string]$grant.Role.id -and [string]$_.resourceId -eq [string]$grant.Resource.id }).Count -gt 0
        if ($have) {
            Add-SetupLog -Step 'consent' -Target $target -Status 'present'
        } elseif ($PSCmdlet.ShouldProcess($target, 'Grant admin consent')) {
            $assignment = @{ principalId = [string]$sp.id; resourceId = [string]$grant.Resource.id; appRoleId = [string]$grant.Role.id }
            Invoke-MgGraphRequest -Method POST -Uri ('/v1.0/servicePrincipals/{0}/appRoleAssignments' -f $sp.id) -Body (ConvertTo-GraphBody $assignment) -ContentType 'application/json' | Out-Null
            Add-SetupLog -Step 'consent' -Target $target -Status 'applied'
        } else {
            Add-SetupLog -Step 'consent' -Target $target -Status (Get-SkipStatus)
        }
    }
    #endregion Consent

    #region DirectoryRole Assign the read-only directory role to the app
    foreach ($roleId in $DirectoryRoleIds) {
        if ($null -eq $sp) {
            Add-SetupLog -Step 'directoryRole' -Target $roleId -Status (Get-SkipStatus) -Message 'the app does not exist yet'
            continue
        }
        $existing = Get-GraphCollection -Uri ('/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq ''{0}''' -f $sp.id)
        if (@($existing | Where-Object { [string]$_.roleDefinitionId -eq $roleId -and [string]$_.directoryScopeId -eq '/' }).Count -gt 0) {
            Add-SetupLog -Step 'directoryRole' -Target $roleId -Status 'present'
        } elseif ($PSCmdlet.ShouldProcess($AppDisplayName, 'Assign directory role ' + $roleId)) {
            $assignment = @{ principalId = [string]$sp.id; roleDefinitionId = $roleId; directoryScopeId = '/' }
            Invoke-MgGraphRequest -Method POST -Uri '/v1.0/roleManagement/directory/roleAssignments' -Body (ConvertTo-GraphBody $assignment) -ContentType 'application/json' | Out-Null
            Add-SetupLog -Step 'directoryRole' -Target $roleId -Status 'applied'
        } else {
            Add-SetupLog -Step 'directoryRole' -Target $roleId -Status (Get-SkipStatus)
        }
    }
    #endregion DirectoryRole
} catch {
    Add-SetupLog -Step 'setup' -Target $AppDisplayName -Status 'failed' -Message $_.Exception.Message
    Write-SetupLogFile
    throw
}

#region Summary
Write-SetupLogFile
$appId = '<application (client) id>'
if ($null -ne $app) { $appId = [string]$app.appId }
Write-Host ''
Write-Host 'Collect with:'
Write-Host ('  m365audit collect --tenant {0} --auth certificate --client-id {1} --certificate {2}{3}' -f $TenantId, $appId, $KeyFile, $CloudFlag)
if ($SignInAudience -eq 'AzureADMultipleOrgs') {
    Write-Host ''
    Write-Host 'An administrator of each client tenant grants consent with:'
    Write-Host ('  {0}/organizations/adminconsent?client_id={1}' -f $LoginHost, $appId)
    Write-Host 'and then assigns the Global Reader role to the app in that tenant (Entra admin center, Roles and administrators).'
}
#endregion Summary
`
