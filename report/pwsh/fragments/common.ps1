$ErrorActionPreference = 'Stop'
$script:ChangeLog = New-Object 'System.Collections.Generic.List[object]'
$script:StartedAt = (Get-Date).ToUniversalTime()

function ConvertTo-ConsoleText {
    # Tenant names are shown on the console with control and invisible
    # characters replaced, so a name cannot move the cursor or hide text.
    param([AllowNull()] [string] $Text)
    if ($null -eq $Text) { return '' }
    return ($Text -replace '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]', '?')
}

function Format-LogValue {
    # One-line rendering of a before/after value for the console.
    param([AllowNull()] $Value)
    if ($null -eq $Value) { return 'null' }
    return (ConvertTo-ConsoleText (ConvertTo-Json -InputObject $Value -Compress -Depth 6))
}

function Add-ChangeLog {
    # Records one change (planned, applied, skipped or failed) for the JSON
    # log and shows it on the console.
    param(
        [Parameter(Mandatory = $true)] [string] $CheckId,
        [Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Target,
        [AllowNull()] $Before = $null,
        [AllowNull()] $After = $null,
        [Parameter(Mandatory = $true)] [ValidateSet('whatif', 'applied', 'skipped', 'failed')] [string] $Status,
        [AllowNull()] [string] $Message = ''
    )
    $script:ChangeLog.Add([pscustomobject]@{
            checkId = $CheckId
            target  = $Target
            before  = $Before
            after   = $After
            status  = $Status
            message = $Message
            time    = (Get-Date).ToUniversalTime().ToString('o')
        })
    $text = '[{0}] {1} {2}: {3} -> {4}' -f $Status, $CheckId, (ConvertTo-ConsoleText $Target), (Format-LogValue $Before), (Format-LogValue $After)
    if ($Message) { $text = $text + ' (' + (ConvertTo-ConsoleText $Message) + ')' }
    switch ($Status) {
        'failed' { Write-Warning $text }
        'applied' { Write-Host $text -ForegroundColor Green }
        'whatif' { Write-Host $text -ForegroundColor Cyan }
        default { Write-Host $text -ForegroundColor DarkGray }
    }
    Write-Verbose ('before: {0}' -f (Format-LogValue $Before))
    Write-Verbose ('after:  {0}' -f (Format-LogValue $After))
}

function Get-SkipStatus {
    # ShouldProcess said no: either -WhatIf is on, or the operator answered No.
    if ($WhatIfPreference) { return 'whatif' }
    return 'skipped'
}
