// The console's words, one table per language. A key missing in Korean falls back to English.
const strings = {
  en: {
    'nav.overview': 'Overview', 'nav.browse': 'Browse and pick', 'nav.certificates': 'Certificates', 'nav.config': 'Configuration', 'nav.logs': 'Logs',
    'login.title': 'Log in to the gateway console', 'login.user': 'User', 'login.password': 'Password', 'login.submit': 'Log in',
    'login.logout': 'Log out', 'login.failed': 'Wrong user name or password.',
    'overview.ready': 'Ready', 'overview.notReady': 'Not ready', 'overview.sources': 'Sources', 'overview.machines': 'Machines',
    'overview.sinks': 'Sinks', 'overview.buffer': 'Buffer', 'overview.live': 'live', 'overview.reconnecting': 'reconnecting…',
    'col.name': 'Name', 'col.state': 'State', 'col.endpoint': 'Endpoint', 'col.security': 'Security', 'col.lastError': 'Last error',
    'col.since': 'Since', 'col.fix': 'What to do', 'col.source': 'Source', 'col.lastReading': 'Last reading', 'col.rate': 'Readings/s',
    'col.badTags': 'Bad tags', 'col.machineState': 'Machine state', 'col.oee': 'OEE', 'col.connected': 'State', 'col.backlog': 'Backlog',
    'col.oldest': 'Oldest pending', 'col.deadLetters': 'Dead letters', 'col.type': 'Type', 'col.bytes': 'On disk', 'col.bound': 'Bound',
    'col.refused': 'Refused', 'col.dropped': 'Dropped', 'col.tag': 'Tag', 'col.value': 'Value', 'col.quality': 'Quality',
    'col.timestamp': 'Source timestamp', 'col.unit': 'Unit', 'col.trend': 'Trend (last minutes)', 'col.subject': 'Subject',
    'col.thumbprint': 'Thumbprint', 'col.validity': 'Valid', 'col.presentedBy': 'Presented by', 'col.actions': '', 'col.time': 'Time',
    'col.level': 'Level', 'col.category': 'Source of the line', 'col.message': 'Message',
    'machine.title': 'Machine', 'machine.back': '← Overview', 'machine.none': 'No readings yet.',
    'cert.own': "This gateway's certificate", 'cert.download': 'Download (give it to the server administrator)',
    'cert.rejected': 'Rejected server certificates', 'cert.trusted': 'Trusted certificates', 'cert.trust': 'Trust', 'cert.remove': 'Remove',
    'cert.none': 'None.', 'cert.confirmTrust': 'Trust this server certificate? The gateway will then connect to this server.',
    'cert.confirmRemove': 'Stop trusting this certificate? New connections to this server will be refused.', 'cert.done': 'Done.',
    'config.file': 'Running configuration', 'config.validate': 'Validate', 'config.apply': 'Apply…', 'config.reset': 'Reset',
    'config.valid': 'Valid.', 'config.confirmApply': 'Write this configuration to the file and reload? Sources and sinks restart as needed.',
    'config.applied': 'Applied: the gateway reloads it now.', 'config.viewer': 'Read only: only an admin may apply.',
    'browse.source': 'Source', 'browse.open': 'Browse', 'browse.machine': 'Machine name', 'browse.make': 'Make template YAML',
    'browse.download': 'Download', 'browse.copy': 'Copy', 'browse.hint': 'Open objects, tick variables (or a whole object), then make the YAML. Paste its templates: part under templates: in the file (Configuration page) and its machine line under machines: of the browsed source (it reads the new machine on its own session); for an endpoint typed in, its sources: part under sources:.',
    'browse.none': 'No OPC UA source in the configuration.', 'browse.loading': 'Loading…',
    'browse.connect': 'Connect to', 'browse.configured': 'a configured source', 'browse.typed': 'an endpoint typed in',
    'browse.endpoint': 'Endpoint', 'browse.mode': 'Security mode', 'browse.policy': 'Policy', 'browse.policyBest': '(best for the mode)',
    'browse.identity': 'Identity', 'browse.anonymous': 'anonymous', 'browse.username': 'user and password',
    'browse.rejected': "The server's certificate is not trusted, so the gateway refused it (it was saved with the rejected certificates). If this is the right server, trust it there, then browse again.",
    'browse.toCertificates': 'Open the Certificates page', 'nav.addresses': 'Modbus/MELSEC',
    'addr.hint': 'Pick a configured Modbus or MELSEC source or type a device in, fill one row per value (address as in the YAML: 40001, holding:0, input:9, coil:3; D100, M0, X1F), test-read them once, then make the YAML of a machine template.',
    'addr.target': 'Device', 'addr.typed': '(typed in)', 'addr.kind': 'Protocol', 'addr.host': 'Host', 'addr.port': 'Port', 'addr.unitId': 'Unit id',
    'addr.address': 'Address', 'addr.length': 'Length', 'addr.scale': 'Scale', 'addr.add': 'Add a row', 'addr.read': 'Test read',
    'addr.read.done': 'Read once.', 'addr.default': '(default)',
    'logs.level': 'Level at least', 'logs.filter': 'Source, sink or text', 'logs.refresh': 'Refresh',
    'common.error': 'Error', 'common.yes': 'Yes', 'common.no': 'No', 'common.never': 'never',
  },
  ko: {
    'nav.overview': '개요', 'nav.browse': '탐색 및 선택', 'nav.certificates': '인증서', 'nav.config': '설정', 'nav.logs': '로그',
    'login.title': '게이트웨이 콘솔 로그인', 'login.user': '사용자', 'login.password': '비밀번호', 'login.submit': '로그인',
    'login.logout': '로그아웃', 'login.failed': '사용자 이름 또는 비밀번호가 틀렸습니다.',
    'overview.ready': '준비됨', 'overview.notReady': '준비 안 됨', 'overview.sources': '소스', 'overview.machines': '설비',
    'overview.sinks': '싱크', 'overview.buffer': '버퍼', 'overview.live': '실시간', 'overview.reconnecting': '다시 연결 중…',
    'col.name': '이름', 'col.state': '상태', 'col.endpoint': '엔드포인트', 'col.security': '보안', 'col.lastError': '마지막 오류',
    'col.since': '발생 시각', 'col.fix': '조치', 'col.source': '소스', 'col.lastReading': '마지막 수신', 'col.rate': '초당 수신',
    'col.badTags': 'Bad 태그', 'col.machineState': '설비 상태', 'col.oee': 'OEE', 'col.connected': '상태', 'col.backlog': '대기',
    'col.oldest': '가장 오래된 대기', 'col.deadLetters': '전달 불가', 'col.type': '종류', 'col.bytes': '디스크 사용', 'col.bound': '한도',
    'col.refused': '거부', 'col.dropped': '삭제', 'col.tag': '태그', 'col.value': '값', 'col.quality': '품질',
    'col.timestamp': '소스 타임스탬프', 'col.unit': '단위', 'col.trend': '추이 (최근 몇 분)', 'col.subject': '주체',
    'col.thumbprint': '지문', 'col.validity': '유효 기간', 'col.presentedBy': '제시한 서버', 'col.actions': '', 'col.time': '시각',
    'col.level': '수준', 'col.category': '출처', 'col.message': '메시지',
    'machine.title': '설비', 'machine.back': '← 개요', 'machine.none': '아직 수신된 값이 없습니다.',
    'cert.own': '이 게이트웨이의 인증서', 'cert.download': '다운로드 (서버 관리자에게 전달)',
    'cert.rejected': '거부된 서버 인증서', 'cert.trusted': '신뢰하는 인증서', 'cert.trust': '신뢰', 'cert.remove': '제거',
    'cert.none': '없음.', 'cert.confirmTrust': '이 서버 인증서를 신뢰하시겠습니까? 게이트웨이가 이 서버에 연결합니다.',
    'cert.confirmRemove': '이 인증서를 더 이상 신뢰하지 않으시겠습니까? 이 서버로의 새 연결이 거부됩니다.', 'cert.done': '완료.',
    'config.file': '실행 중인 설정', 'config.validate': '검사', 'config.apply': '적용…', 'config.reset': '되돌리기',
    'config.valid': '올바른 설정입니다.', 'config.confirmApply': '이 설정을 파일에 쓰고 다시 불러오시겠습니까? 필요한 소스와 싱크가 다시 시작됩니다.',
    'config.applied': '적용했습니다: 게이트웨이가 지금 다시 불러옵니다.', 'config.viewer': '읽기 전용: 관리자만 적용할 수 있습니다.',
    'browse.source': '소스', 'browse.open': '탐색', 'browse.machine': '설비 이름', 'browse.make': '템플릿 YAML 만들기',
    'browse.download': '다운로드', 'browse.copy': '복사', 'browse.hint': '객체를 열고 변수(또는 객체 전체)를 선택한 뒤 YAML을 만드세요. templates: 부분은 설정 파일(설정 페이지)의 templates: 아래에, 설비 줄은 탐색한 소스의 machines: 아래에 붙여 넣으세요(그 소스가 자신의 세션으로 새 설비를 읽습니다). 직접 입력한 엔드포인트라면 sources: 부분을 sources: 아래에 붙여 넣으세요.',
    'browse.none': '설정에 OPC UA 소스가 없습니다.', 'browse.loading': '불러오는 중…',
    'browse.connect': '연결 대상', 'browse.configured': '설정된 소스', 'browse.typed': '직접 입력한 엔드포인트',
    'browse.endpoint': '엔드포인트', 'browse.mode': '보안 모드', 'browse.policy': '정책', 'browse.policyBest': '(모드에 맞는 최선)',
    'browse.identity': '인증', 'browse.anonymous': '익명', 'browse.username': '사용자와 비밀번호',
    'browse.rejected': '서버 인증서를 신뢰하지 않으므로 게이트웨이가 거부했습니다(거부된 인증서에 저장됨). 올바른 서버라면 그곳에서 신뢰한 뒤 다시 탐색하세요.',
    'browse.toCertificates': '인증서 페이지 열기', 'nav.addresses': 'Modbus/MELSEC',
    'addr.hint': '설정된 Modbus 또는 MELSEC 소스를 고르거나 장치를 직접 입력하고, 값마다 한 행을 채우세요(주소는 YAML과 같이: 40001, holding:0, input:9, coil:3; D100, M0, X1F). 한 번 시험 읽기를 한 뒤 설비 템플릿 YAML을 만드세요.',
    'addr.target': '장치', 'addr.typed': '(직접 입력)', 'addr.kind': '프로토콜', 'addr.host': '호스트', 'addr.port': '포트', 'addr.unitId': '유닛 ID',
    'addr.address': '주소', 'addr.length': '길이', 'addr.scale': '배율', 'addr.add': '행 추가', 'addr.read': '시험 읽기',
    'addr.read.done': '한 번 읽었습니다.', 'addr.default': '(기본)',
    'logs.level': '최소 수준', 'logs.filter': '소스, 싱크 또는 문구', 'logs.refresh': '새로 고침',
    'common.error': '오류', 'common.yes': '예', 'common.no': '아니요', 'common.never': '없음',
  },
};

export function language() {
  const chosen = localStorage.getItem('gateway.language');
  if (chosen && strings[chosen]) return chosen;
  return (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function setLanguage(lang) {
  localStorage.setItem('gateway.language', lang);
}

export function t(key) {
  return strings[language()][key] ?? strings.en[key] ?? key;
}

/** Translates every element with data-i18n under root. */
export function translate(root = document) {
  document.documentElement.lang = language();
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
}

export const languages = Object.keys(strings);
