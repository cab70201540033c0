; Inno Setup script: wraps the PyInstaller one-folder bundle (build\dist\rerank-playground) in a per-user installer.
; Build on Windows after PyInstaller:  iscc /DAppVersion=0.1.0 packaging\windows\rerank-playground.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E2B0A-4E7B-4B7E-9C55-2F0B9B6C7A11}
AppName=Rerank Playground
AppVersion={#AppVersion}
AppPublisher=Rerank Playground developers
DefaultDirName={localappdata}\Programs\Rerank Playground
DefaultGroupName=Rerank Playground
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DisableProgramGroupPage=yes
OutputDir=..\..\build
OutputBaseFilename=RerankPlayground-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\rerank-playground.exe
WizardStyle=modern

[Files]
Source: "..\..\build\dist\rerank-playground\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion createallsubdirs

[Icons]
Name: "{userprograms}\Rerank Playground"; Filename: "{app}\rerank-playground.exe"
Name: "{userdesktop}\Rerank Playground"; Filename: "{app}\rerank-playground.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Additional shortcuts:"; Flags: unchecked

[Run]
Filename: "{app}\rerank-playground.exe"; Description: "Start Rerank Playground"; Flags: nowait postinstall skipifsilent
