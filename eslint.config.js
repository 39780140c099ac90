import tseslint from 'typescript-eslint'

export default tseslint.config(
  // generated codecs (npm run generate) are checked against their .proto by a test, not linted
  { ignores: ['node_modules/**', 'dist/**', '.test-repos/**', 'bench/data/**', '**/pb/*.js', '**/pb/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off'
    }
  }
)
