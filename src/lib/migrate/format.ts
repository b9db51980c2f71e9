export {formatBytes} from '../cli/render/text.js'
